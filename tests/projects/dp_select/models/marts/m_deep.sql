{{ config(materialized='table', tags=['deep']) }}
select n * 2 as n2 from {{ ref('m_table') }}
