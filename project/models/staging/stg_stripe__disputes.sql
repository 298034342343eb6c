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
    created as created_at
from source
