{#- Integer cents -> DECIMAL(18,2) dollars, exactly, on DuckDB and PostgreSQL alike.
    (The shared cents_to_dollars divides a decimal by 100, which DuckDB types as DOUBLE.) -#}
{% macro core_cents_to_dollars(column_name) -%}
    cast(cast({{ column_name }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
