-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
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
    _loaded_at
from source
