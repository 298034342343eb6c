-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
with source as (
    {{ latest_by_key(source('shop', 'orders'), 'order_id', 'updated_at') }}
)

select
    order_id,
    order_number,
    customer_id,
    status,
    currency,
    subtotal_cents,
    discount_cents,
    shipping_cents,
    tax_cents,
    total_cents,
    coupon_code,
    channel,
    device,
    utm_source,
    utm_medium,
    utm_campaign,
    shipping_country,
    created_at as ordered_at,
    {{ core_utc_date('created_at') }} as order_date,
    updated_at,
    paid_at,
    shipped_at,
    delivered_at,
    cancelled_at,
    returned_at,
    _loaded_at
from source
