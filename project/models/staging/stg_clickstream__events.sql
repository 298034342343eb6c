{{ config(materialized='incremental', incremental_strategy='merge', unique_key='event_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('clickstream', 'events'), 'event_id', '_loaded_at') }}
)

select
    event_id,
    event_type,
    event_time as event_at,
    event_date,
    session_id,
    anonymous_id,
    customer_id,
    page,
    device,
    channel,
    country,
    utm_source,
    utm_medium,
    utm_campaign,
    product_id,
    search_query,
    order_id,
    revenue_cents,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
