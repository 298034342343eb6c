{{ config(materialized='table', alias='renamed_customers') }}
select id from {{ ref('customers') }}
