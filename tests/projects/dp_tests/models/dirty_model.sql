{{ config(materialized='table') }}
select * from {{ ref('dirty') }}
