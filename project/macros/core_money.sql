{#- The core marts' name for cents_to_dollars (macros/cents.sql): integer cents to
    DECIMAL(18,2) dollars, exactly, on DuckDB and PostgreSQL alike. -#}
{% macro core_cents_to_dollars(column_name) -%}
    {{ cents_to_dollars(column_name) }}
{%- endmacro %}
