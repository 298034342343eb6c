{{ config(materialized='incremental', incremental_strategy='merge', unique_key='order_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('shop', 'orders'), 'order_id', 'updated_at') }}
)

select
    order_id,
    order_number,
    customer_id,
    status,
    currency,
    subtotal_cents,
    discount_cents,
    shipping_cents,
    tax_cents,
    total_cents,
    coupon_code,
    channel,
    device,
    utm_source,
    utm_medium,
    utm_campaign,
    shipping_country,
    created_at as ordered_at,
    cast(created_at as date) as order_date,
    updated_at,
    paid_at,
    shipped_at,
    delivered_at,
    cancelled_at,
    returned_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
