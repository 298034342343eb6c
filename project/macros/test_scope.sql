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
        {%- set written = last_run_condition(relation) | trim -%}
        {%- if written -%}
            (select * from {{ relation }} where {{ written }}) dbt_subquery
        {%- else -%}
            {{ relation }}
        {%- endif -%}
    {%- elif where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` that its last run wrote, as a parenthesised subquery to alias,
    or the relation itself when that is every row (or with --vars '{test_rows: all}').
    Singular tests read their model through it, so that an incremental build checks what
    it changed. -#}
{% macro written_by_the_last_run(relation) -%}
    {{ rows_where(relation, last_run_condition(relation)) }}
{%- endmacro %}

{#- The rows of `relation` where `condition` holds, as a parenthesised subquery to alias,
    or the relation itself when the condition is empty. A test that also needs to know
    whether it is scoped reads last_run_condition once and passes it here. -#}
{% macro rows_where(relation, condition) -%}
    {%- set condition = condition | trim -%}
    {%- if condition -%}
        (select * from {{ relation }} where {{ condition }})
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The condition that selects the rows of `relation` its last run wrote, or '' for every
    row: in a model with _refreshed_at, the rows stamped by its newest run ('' when that
    run wrote every row, as a full build does: without the filter the planner knows how
    many rows the test reads, and builds its hash tables on the smaller side); in a
    staging view (no rows of its own), the raw rows loaded since the view's build before
    the last one (record_view_build); else, and with --vars '{test_rows: all}', every row.
    Empty while parsing. -#}
{% macro last_run_condition(relation) -%}
    {%- if execute and var('test_rows', 'last_run') == 'last_run' -%}
        {%- set names = column_names(relation) -%}
        {%- if '_refreshed_at' in names -%}
            {%- set stamps = run_query("select cast(min(_refreshed_at) as varchar), cast(max(_refreshed_at) as varchar) from " ~ relation) -%}
            {%- if stamps.rows[0][0] != stamps.rows[0][1] -%}
                {#- >= the newest stamp: the same rows as =, but DuckDB estimates that =
                    keeps one row in as many as there are distinct stamps (half the table
                    after one daily run) and a range a fifth, and on the larger guess builds
                    a join's hash table on the other side, all of it (the relationships test
                    of fact_orders to dim_customers: 1.7 s against 0.6). -#}
                _refreshed_at >= cast('{{ stamps.rows[0][1] }}' as timestamp with time zone)
            {%- endif -%}
        {%- elif '_loaded_at' in names -%}
            {%- set built = previous_view_build(relation) -%}
            {%- if built -%}
                _loaded_at > cast('{{ built }}' as timestamp with time zone)
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Staging views' post-hook: records when the view was built, keeping its last two builds
    in meta.view_builds (models/meta/view_builds.sql, which every staging model depends
    on). A view holds no rows of its own (no _refreshed_at), so its tests check the raw
    rows loaded since its build before this one, the rows the marts read as new in this
    run: a daily build does not test years of raw rows again. -#}
{% macro record_view_build() -%}
    {%- set name = this.schema ~ '.' ~ this.identifier -%}
    delete from meta.view_builds
    where view_name = '{{ name }}'
      and built_at < (select max(built_at) from meta.view_builds where view_name = '{{ name }}');
    insert into meta.view_builds (view_name, built_at) values ('{{ name }}', current_timestamp)
{%- endmacro %}

{#- When the view `relation` was built before its last build, as text; none on its first
    build, or when it is not a logged view. -#}
{% macro previous_view_build(relation) -%}
    {%- set logged = run_query("select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'view_builds'") -%}
    {%- if logged.rows[0][0] == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set name = relation.schema ~ '.' ~ relation.identifier -%}
    {%- set found = run_query("select cast(min(built_at) as varchar), count(*) from meta.view_builds where view_name = '" ~ name ~ "'") -%}
    {{ return(found.rows[0][0] if found.rows[0][1] >= 2 else none) }}
{%- endmacro %}
