{#- Money is kept in integer cents through staging; marts show it as DECIMAL(18,2). -#}
{#- Exact on DuckDB and PostgreSQL: DuckDB types decimal / integer as DOUBLE, so the
    division is a multiplication by a decimal literal, cast back to two places. -#}
{% macro cents_to_dollars(column_name) -%}
    cast(cast({{ column_name }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}

{% macro dollars_to_cents(column_name) -%}
    cast(round({{ column_name }} * 100) as bigint)
{%- endmacro %}
