-- The identity: the clickstream writes exactly one purchase event per shop order (every
-- status, cancelled included), carrying the order's order_id, time, device and channel, at
-- most one per session. Three checks, each returning the rows that break it:
--   1. For every device x channel, the purchases in funnel_daily equal the orders that have
--      a purchase event (matched by order_id, with the order's own device and channel).
--   2. Every order placed on a day the clickstream covers whole has its purchase event. The
--      clickstream is a file per day for the most recent days only: the first file can
--      start with the tail of a session begun the day before, and orders of the last
--      minutes of the last day may fall into a file not yet written, so the partial first
--      and last days are left out. (Not funnel rows per day: funnel_daily dates a session by
--      its first event, and a session crossing midnight buys on the next day.)
--   3. No funnel row has more purchases than purchasing sessions.
with event_days as (
    select
        {{ biz_add_days('min(event_at)', 1) }} as first_whole_day,
        cast(max(event_at) as date) as last_day
    from {{ ref('stg_clickstream__events') }}
),

purchases as (
    select distinct order_id
    from {{ ref('stg_clickstream__events') }}
    where event_type = 'purchase'
),

funnel as (
    select device, channel, sum(purchases) as purchases
    from {{ ref('funnel_daily') }}
    group by device, channel
),

purchased_orders as (
    select orders.device, orders.channel, count(*) as orders
    from {{ ref('stg_shop__orders') }} as orders
    inner join purchases
        on purchases.order_id = orders.order_id
    group by orders.device, orders.channel
)

select
    coalesce(funnel.device, purchased_orders.device) as device,
    coalesce(funnel.channel, purchased_orders.channel) as channel,
    coalesce(funnel.purchases, 0) as funnel_purchases,
    coalesce(purchased_orders.orders, 0) as orders
from funnel
full outer join purchased_orders
    on purchased_orders.device = funnel.device and purchased_orders.channel = funnel.channel
where coalesce(funnel.purchases, 0) <> coalesce(purchased_orders.orders, 0)

union all

select orders.device, orders.channel, 0, orders.order_id
from {{ ref('stg_shop__orders') }} as orders
cross join event_days
where orders.order_date >= event_days.first_whole_day
  and orders.order_date < event_days.last_day
  and orders.order_id not in (select order_id from purchases)

union all

select device, channel, purchases, sessions_with_purchase
from {{ ref('funnel_daily') }}
where purchases <> sessions_with_purchase
