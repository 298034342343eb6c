{{ config(materialized='table') }}
select count(*) as n from {{ ref('stg_a') }}
