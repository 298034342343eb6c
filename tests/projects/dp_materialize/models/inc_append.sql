{{ config(materialized='incremental') }}
select id, name from {{ ref('customers') }}
{% if is_incremental() %}
where id > (select coalesce(max(id), 0) from {{ this }})
{% endif %}
