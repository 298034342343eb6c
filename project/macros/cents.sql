{#- Money is kept in integer cents through staging; marts show it as DECIMAL(18,2). -#}
{% macro cents_to_dollars(column_name) -%}
    cast({{ column_name }} as decimal(18, 2)) / 100
{%- endmacro %}

{% macro dollars_to_cents(column_name) -%}
    cast(round({{ column_name }} * 100) as bigint)
{%- endmacro %}
