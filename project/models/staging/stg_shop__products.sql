-- depends_on: {{ ref('view_builds') }}
with source as (
    {{ latest_by_key(source('shop', 'products'), 'product_id', 'updated_at') }}
)

select
    product_id,
    sku,
    name as product_name,
    category,
    brand,
    price_cents,
    cost_cents,
    is_active,
    created_at,
    updated_at,
    _loaded_at
from source
