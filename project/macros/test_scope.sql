{#- What a generic test reads (dbt's hook: every generic test's model passes through
    get_where_subquery). Tests configured with where: __written_by_the_last_run__ (all of
    this project's, see dbt_project.yml) check, in a model with an _refreshed_at column,
    the rows its last run wrote: all of a table rebuilt, what an incremental run merged.
    Old rows were checked by the run that wrote them, and an incremental build's tests
    stay proportional to what it changed. --vars '{test_rows: all}' checks every row.
    Any other where is applied as dbt applies it. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__written_by_the_last_run__' -%}
        {%- if var('test_rows', 'last_run') == 'last_run' and has_refreshed_at(relation) -%}
            {{ written_by_the_last_run(relation) }} dbt_subquery
        {%- else -%}
            {{ relation }}
        {%- endif -%}
    {%- elif where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- True when the relation has an _refreshed_at column (false while parsing). -#}
{% macro has_refreshed_at(relation) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower == '_refreshed_at' -%}{{ return(true) }}{%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- The rows of `relation` (a model with _refreshed_at) that its last run wrote, as a
    parenthesised subquery to alias, or the relation itself with --vars '{test_rows: all}'.
    Singular tests read their mart through it, so that an incremental build checks what it
    changed. -#}
{% macro written_by_the_last_run(relation) -%}
    {%- if var('test_rows', 'last_run') == 'last_run' -%}
        (select * from {{ relation }} where _refreshed_at = {{ newest_stamp(relation, '_refreshed_at') }})
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
