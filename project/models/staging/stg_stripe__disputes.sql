{{ config(materialized='incremental', incremental_strategy='merge', unique_key='dispute_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('stripe', 'disputes'), 'id', '_loaded_at') }}
)

select
    id as dispute_id,
    charge as charge_id,
    order_id,
    amount as amount_cents,
    upper(currency) as currency,
    status,
    reason,
    evidence_due_by,
    created as created_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
