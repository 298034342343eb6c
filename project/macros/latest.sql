{#- The newest row of each key of a raw table. Raw tables merge by key, but a staging view
    does not rely on it: a manual load could leave two versions. Plain SQL (no QUALIFY) so
    the project also runs on PostgreSQL. The result has an extra column, _version_rank. -#}
{% macro latest_by_key(relation, key, order_by) -%}
    select * from (
        select
            raw_rows.*,
            row_number() over (partition by {{ key }} order by {{ order_by }} desc) as _version_rank
        from {{ relation }} as raw_rows
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
