-- depends_on: {{ ref('view_builds') }}
with source as (
    {{ latest_by_key(source('shop', 'inventory'), 'inventory_id', 'updated_at') }}
)

select
    inventory_id,
    product_id,
    warehouse,
    quantity_on_hand,
    reorder_point,
    updated_at
from source
