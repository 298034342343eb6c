{{ config(materialized='incremental', incremental_strategy='merge', unique_key='charge_id') }}
-- A table, merged by key from the raw rows loaded since its newest row (_loaded_at):
-- the marts' incremental runs find what changed by _loaded_at. _refreshed_at: when the
-- run that wrote the row ran.
with source as (
    {{ latest_by_key(source('stripe', 'charges'), 'id', '_loaded_at') }}
)

select
    id as charge_id,
    order_id,
    amount as amount_cents,
    amount_captured as amount_captured_cents,
    amount_refunded as amount_refunded_cents,
    upper(currency) as currency,
    status,
    paid as is_paid,
    captured as is_captured,
    refunded as is_refunded,
    disputed as is_disputed,
    failure_code,
    customer as stripe_customer_id,
    card_brand,
    balance_transaction as balance_transaction_id,
    created as created_at,
    _loaded_at,
    current_timestamp as _refreshed_at
from source
