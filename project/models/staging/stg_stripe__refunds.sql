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
    created as created_at
from source
