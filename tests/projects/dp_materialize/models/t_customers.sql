{{ config(materialized='table') }}
select id, name, score from {{ ref('customers') }}
