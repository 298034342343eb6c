{{ config(
    materialized='table',
    pre_hook="create table if not exists main.audit (model varchar, stage varchar, row_count bigint)",
    post_hook=["insert into main.audit select '{{ this.name }}', 'post', count(*) from {{ this }}"]
) }}
select id from {{ ref('customers') }}
