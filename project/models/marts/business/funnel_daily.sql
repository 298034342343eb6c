{#- The session funnel per day x device x channel. A session belongs to the date (UTC
    event_date) of its first event; its device and channel are constant within a session.
    Each step counts the sessions that reached it (in this data the steps are nested: every
    purchasing session also viewed a product, added to cart and started checkout).
    purchases = purchase events in those sessions = orders: the clickstream writes exactly
    one purchase event per order (any status, cancelled included) with the order's order_id,
    time, device and channel, and at most one per session; see tests/biz_funnel_purchases_equal_orders.sql.
    Rates: each step over the step before; conversion_rate = purchasing sessions / sessions.
    Built from int_clickstream_session_hours (sessions x hours, kept incrementally);
    incremental (delete+insert by session_date): a run recomputes the dates of the sessions
    rewritten there since its last run (_refreshed_at). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='session_date'
) }}
with
{%- if is_incremental() %}
affected_dates as (
    select distinct session_date
    from {{ ref('int_clickstream_session_hours') }}
    where _refreshed_at > {{ last_run_at() }}
),
{%- endif %}

sessions as (
    select
        session_id,
        min(session_date) as session_date,
        min(device) as device,
        min(channel) as channel,
        max(case when product_views > 0 then 1 else 0 end) as has_product_view,
        max(case when add_to_carts > 0 then 1 else 0 end) as has_add_to_cart,
        max(case when checkout_starts > 0 then 1 else 0 end) as has_checkout_start,
        max(case when purchases > 0 then 1 else 0 end) as has_purchase,
        cast(sum(purchases) as bigint) as purchase_events,
        cast(sum(purchase_revenue_cents) as bigint) as purchase_revenue_cents
    from {{ ref('int_clickstream_session_hours') }}
    {%- if is_incremental() %}
    where session_date in (select session_date from affected_dates)
    {%- endif %}
    group by session_id
),

daily as (
    select
        session_date,
        device,
        channel,
        count(*) as sessions,
        cast(sum(has_product_view) as bigint) as sessions_with_product_view,
        cast(sum(has_add_to_cart) as bigint) as sessions_with_add_to_cart,
        cast(sum(has_checkout_start) as bigint) as sessions_with_checkout_start,
        cast(sum(has_purchase) as bigint) as sessions_with_purchase,
        cast(sum(purchase_events) as bigint) as purchases,
        cast(sum(purchase_revenue_cents) as bigint) as purchase_revenue_cents
    from sessions
    group by session_date, device, channel
)

select
    session_date,
    device,
    channel,
    sessions,
    sessions_with_product_view,
    sessions_with_add_to_cart,
    sessions_with_checkout_start,
    sessions_with_purchase,
    purchases,
    {{ biz_dollars('purchase_revenue_cents') }} as purchase_revenue,
    {{ biz_safe_divide('sessions_with_product_view', 'sessions') }} as product_view_rate,
    {{ biz_safe_divide('sessions_with_add_to_cart', 'sessions_with_product_view') }} as add_to_cart_rate,
    {{ biz_safe_divide('sessions_with_checkout_start', 'sessions_with_add_to_cart') }} as checkout_rate,
    {{ biz_safe_divide('sessions_with_purchase', 'sessions_with_checkout_start') }} as purchase_rate,
    {{ biz_safe_divide('sessions_with_purchase', 'sessions') }} as conversion_rate,
    current_timestamp as _refreshed_at
from daily
