{#- Custom schemas are used as written (staging, marts, snapshots) rather than dbt's
    default <target_schema>_<custom>, so the warehouse reads raw -> staging -> marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
