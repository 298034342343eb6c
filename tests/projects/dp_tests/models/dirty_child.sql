{{ config(materialized='table') }}
select id, amount from {{ ref('dirty_model') }}
