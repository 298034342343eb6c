{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, name, score, updated_at from {{ ref('customers') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
