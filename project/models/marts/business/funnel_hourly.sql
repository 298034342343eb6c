{#- Activity by hour of day (0-23, UTC) over the whole clickstream: one row per hour.
    events: all events in that hour; sessions: distinct sessions with an event in that hour
    (a session spanning two hours counts in both); session_starts: sessions whose first
    event is in that hour (these sum to all sessions); purchases: purchase events (= orders). -#}
with events as (
    select
        session_id,
        event_type,
        event_at,
        {{ biz_hour_utc('event_at') }} as hour_of_day
    from {{ ref('stg_clickstream__events') }}
),

session_starts as (
    select session_id, min(event_at) as started_at
    from events
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
        count(*) as events,
        count(distinct session_id) as sessions,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases
    from events
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
