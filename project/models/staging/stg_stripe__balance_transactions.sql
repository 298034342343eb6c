{{ config(materialized='incremental', incremental_strategy='merge', unique_key='balance_transaction_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('stripe', 'balance_transactions'), 'id', '_loaded_at') }}
)

select
    id as balance_transaction_id,
    amount as amount_cents,
    fee as fee_cents,
    net as net_cents,
    upper(currency) as currency,
    type,
    reporting_category,
    source as source_id,
    status,
    available_on,
    created as created_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
