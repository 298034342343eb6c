{{ config(enabled=false, materialized='table') }}
select 1 as id
