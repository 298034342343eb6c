-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
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
    _loaded_at
from source
