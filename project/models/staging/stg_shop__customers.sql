{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='customer_id',
    post_hook="delete from {{ this }} where customer_id not in (select customer_id from {{ source('shop', 'customers') }})"
) }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at); the
-- customers deleted at the source (gone from raw) are deleted here too. _refreshed_at: when
-- the run that wrote the row ran.
with source as (
    {{ latest_by_key(source('shop', 'customers'), 'customer_id', 'updated_at') }}
)

select
    customer_id,
    email,
    first_name,
    last_name,
    country,
    city,
    marketing_opt_in,
    acquisition_channel,
    created_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
