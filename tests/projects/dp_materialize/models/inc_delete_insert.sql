{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert') }}
select id, name, score from {{ ref('customers') }}
