{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='session_id'
) }}
-- Clickstream events per session and hour of day (0-23, UTC): the rollup funnel_daily and
-- funnel_hourly add up. A session's device and channel are constant; first_event_at and
-- first_event_date are the earliest within the hour; session_date is the date of the
-- session's first event and starts_session is 1 on the hour holding it.
-- Incremental (delete+insert by session_id): a run recomputes the sessions with events
-- loaded since its last run (_refreshed_at), all of their events (a session can cross
-- midnight and so two daily files).

with events as (
    select
        session_id,
        event_type,
        event_at,
        event_date,
        device,
        channel,
        revenue_cents,
        {{ biz_hour_utc('event_at') }} as hour_of_day
    from {{ ref('stg_clickstream__events') }}
    {%- if is_incremental() %}
    where session_id in (
        select session_id from {{ ref('stg_clickstream__events') }}
        where _loaded_at > {{ last_run_at() }})
    {%- endif %}
),

per_hour as (
    select
        session_id,
        hour_of_day,
        min(event_at) as first_event_at,
        min(event_date) as first_event_date,
        min(device) as device,
        min(channel) as channel,
        count(*) as events,
        cast(sum(case when event_type = 'product_view' then 1 else 0 end) as bigint) as product_views,
        cast(sum(case when event_type = 'add_to_cart' then 1 else 0 end) as bigint) as add_to_carts,
        cast(sum(case when event_type = 'checkout_start' then 1 else 0 end) as bigint) as checkout_starts,
        cast(sum(case when event_type = 'purchase' then 1 else 0 end) as bigint) as purchases,
        cast(sum(case when event_type = 'purchase' then coalesce(revenue_cents, 0) else 0 end) as bigint) as purchase_revenue_cents
    from events
    group by session_id, hour_of_day
)

select
    per_hour.*,
    min(first_event_date) over (partition by session_id) as session_date,
    case when first_event_at = min(first_event_at) over (partition by session_id)
         then 1 else 0 end as starts_session,
    current_timestamp as _refreshed_at
from per_hour
