{{ config(materialized='incremental', incremental_strategy='merge', unique_key='order_item_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('shop', 'order_items'), 'order_item_id', 'updated_at') }}
)

select
    order_item_id,
    order_id,
    product_id,
    quantity,
    unit_price_cents,
    discount_cents,
    quantity * unit_price_cents as gross_cents,
    quantity * unit_price_cents - discount_cents as net_cents,
    created_at,
    updated_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
