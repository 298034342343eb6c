{#- Activity by hour of day (0-23, UTC) over the whole clickstream: one row per hour.
    events: all events in that hour; sessions: distinct sessions with an event in that hour
    (a session spanning two hours counts in both); session_starts: sessions whose first
    event is in that hour (these sum to all sessions); purchases: purchase events (= orders).
    Built from int_clickstream_session_hours (one row per session and hour). -#}
with session_hours as (
    select * from {{ ref('int_clickstream_session_hours') }}
),

session_starts as (
    select session_id, min(first_event_at) as started_at
    from session_hours
    group by session_id
),

starts_per_hour as (
    select {{ biz_hour_utc('started_at') }} as hour_of_day, count(*) as session_starts
    from session_starts
    group by {{ biz_hour_utc('started_at') }}
),

per_hour as (
    select
        hour_of_day,
        sum(events) as events,
        count(*) as sessions,
        sum(product_views) as product_views,
        sum(add_to_carts) as add_to_carts,
        sum(purchases) as purchases
    from session_hours
    group by hour_of_day
)

select
    per_hour.hour_of_day,
    per_hour.events,
    per_hour.sessions,
    coalesce(starts_per_hour.session_starts, 0) as session_starts,
    per_hour.product_views,
    per_hour.add_to_carts,
    per_hour.purchases,
    {{ biz_safe_divide('per_hour.purchases', 'per_hour.sessions') }} as purchases_per_session
from per_hour
left join starts_per_hour on starts_per_hour.hour_of_day = per_hour.hour_of_day
