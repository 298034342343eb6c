-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
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
    _loaded_at
from source
