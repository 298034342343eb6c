-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
with source as (
    {{ latest_by_key(source('shop', 'order_items'), 'order_item_id', 'updated_at') }}
)

select
    order_item_id,
    order_id,
    product_id,
    quantity,
    unit_price_cents,
    discount_cents,
    quantity * unit_price_cents as gross_cents,
    quantity * unit_price_cents - discount_cents as net_cents,
    created_at,
    updated_at,
    _loaded_at
from source
