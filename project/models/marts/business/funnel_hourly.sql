{#- Activity by hour of day (0-23, UTC) over the whole clickstream: one row per hour.
    events: all events in that hour; sessions: distinct sessions with an event in that hour
    (a session spanning two hours counts in both); session_starts: sessions whose first
    event is in that hour (these sum to all sessions); purchases: purchase events (= orders).
    Built from int_clickstream_session_hours (one row per session and hour). -#}
with session_hours as (
    select * from {{ ref('int_clickstream_session_hours') }}
),

per_hour as (
    select
        hour_of_day,
        cast(sum(events) as bigint) as events,
        count(*) as sessions,
        cast(sum(starts_session) as bigint) as session_starts,
        cast(sum(product_views) as bigint) as product_views,
        cast(sum(add_to_carts) as bigint) as add_to_carts,
        cast(sum(purchases) as bigint) as purchases
    from session_hours
    group by hour_of_day
)

select
    per_hour.hour_of_day,
    per_hour.events,
    per_hour.sessions,
    per_hour.session_starts,
    per_hour.product_views,
    per_hour.add_to_carts,
    per_hour.purchases,
    {{ biz_safe_divide('per_hour.purchases', 'per_hour.sessions') }} as purchases_per_session
from per_hour
