{{ config(materialized='incremental', incremental_strategy='merge', unique_key='refund_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('stripe', 'refunds'), 'id', '_loaded_at') }}
)

select
    id as refund_id,
    charge as charge_id,
    order_id,
    amount as amount_cents,
    upper(currency) as currency,
    status,
    reason,
    balance_transaction as balance_transaction_id,
    created as created_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
