{{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
select id,
{%- if var('extra_column') %} name || '!' as loud_name,{% else %} name,{% endif %}
  score
from {{ ref('customers') }}
