{#- The newest row of each key of a raw table. Raw tables merge by key, but staging does
    not rely on it: a manual load could leave two versions. Plain SQL (no QUALIFY) so the
    project also runs on PostgreSQL. The result has an extra column, _version_rank.
    In an incremental model (on an incremental run) it reads only the raw rows loaded
    since the newest row the model holds: see loaded_since_last_run. -#}
{% macro latest_by_key(relation, key, order_by) -%}
    select * from (
        select
            raw_rows.*,
            row_number() over (partition by {{ key }} order by {{ order_by }} desc) as _version_rank
        from {{ relation }} as raw_rows
        {%- if is_incremental() %}
        where {{ loaded_since_last_run('raw_rows._loaded_at') }}
        {%- endif %}
    ) as ranked
    where _version_rank = 1
{%- endmacro %}

{#- True for rows loaded (raw _loaded_at) after the newest row this incremental model
    holds: the rows a previous run has not seen. -#}
{% macro loaded_since_last_run(column) -%}
    {{ column }} > (select coalesce(max(_loaded_at), {{ core_timestamp_min() }}) from {{ this }})
{%- endmacro %}
