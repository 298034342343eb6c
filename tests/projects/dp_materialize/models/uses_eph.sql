{{ config(materialized='table') }}
select id, shout from {{ ref('eph_names') }}
