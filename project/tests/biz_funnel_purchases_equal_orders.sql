-- The identity: the clickstream writes exactly one purchase event per shop order (every
-- status, cancelled included), carrying the order's order_id, time, device and channel, at
-- most one per session. So, over the clickstream's window [first event, last event], the
-- purchases in funnel_daily equal the orders placed in that window, for every device x
-- channel (and so in total).
-- Not per day: funnel_daily dates a session by its FIRST event, and a session crossing
-- midnight places its purchase on the next day's order_date (4 of 1,800 in the tiny shop).
-- Also checked: no funnel row has more purchases than purchasing sessions.
-- Returns the device x channel pairs that disagree and the funnel rows that break the rule.
with event_window as (
    select min(event_at) as window_start, max(event_at) as window_end
    from {{ ref('stg_clickstream__events') }}
),

funnel as (
    select device, channel, sum(purchases) as purchases
    from {{ ref('funnel_daily') }}
    group by device, channel
),

orders as (
    select orders.device, orders.channel, count(*) as orders
    from {{ ref('stg_shop__orders') }} as orders
    cross join event_window
    where orders.ordered_at between event_window.window_start and event_window.window_end
    group by orders.device, orders.channel
)

select
    coalesce(funnel.device, orders.device) as device,
    coalesce(funnel.channel, orders.channel) as channel,
    coalesce(funnel.purchases, 0) as funnel_purchases,
    coalesce(orders.orders, 0) as orders
from funnel
full outer join orders
    on orders.device = funnel.device and orders.channel = funnel.channel
where coalesce(funnel.purchases, 0) <> coalesce(orders.orders, 0)

union all

select device, channel, purchases, sessions_with_purchase
from {{ ref('funnel_daily') }}
where purchases <> sessions_with_purchase
