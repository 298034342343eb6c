-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
with source as (
    {{ latest_by_key(source('clickstream', 'events'), 'event_id', '_loaded_at') }}
)

select
    event_id,
    event_type,
    event_time as event_at,
    event_date,
    session_id,
    anonymous_id,
    customer_id,
    page,
    device,
    channel,
    country,
    utm_source,
    utm_medium,
    utm_campaign,
    product_id,
    search_query,
    order_id,
    revenue_cents,
    _loaded_at
from source
