{{ config(materialized='table') }}
-- One row per calendar day from the first to the last order date (days without orders
-- have zeros). Built on fact_orders, so it reconciles with it.
-- Counted orders: every status except 'cancelled' (placed, paid, shipped, delivered and
-- returned count; returned orders keep their revenue here and show their money back in
-- refunds). Status is the order's current status.
-- Everything is attributed to the order date (ordered_at, UTC): refunds are the succeeded
-- Stripe refunds of the day's counted orders, whenever they were issued.
--   gross = sum of quantity * unit price; discounts = line discounts; net = gross - discounts
--   (merchandise only: no shipping, no tax); aov = net / orders, rounded to the cent,
--   NULL on days without orders.
--   new_customers: customers whose first counted order (in the warehouse's history) is on
--   that day; returning_customers: the day's other customers.

with counted_lines as (
    select
        order_id, order_item_id, customer_id, order_date,
        gross_revenue, discount, net_revenue, refunded_amount
    from {{ ref('fact_orders') }}
    where status <> 'cancelled'
),

first_orders as (
    select customer_id, min(order_date) as first_order_date
    from counted_lines
    group by customer_id
),

daily as (
    select
        counted_lines.order_date,
        count(distinct counted_lines.order_id) as orders,
        count(*) as lines,
        count(distinct counted_lines.customer_id) as customers,
        count(distinct case when first_orders.first_order_date = counted_lines.order_date
                            then counted_lines.customer_id end) as new_customers,
        sum(counted_lines.gross_revenue) as gross,
        sum(counted_lines.discount) as discounts,
        sum(counted_lines.net_revenue) as net,
        sum(counted_lines.refunded_amount) as refunds
    from counted_lines
    inner join first_orders
        on first_orders.customer_id = counted_lines.customer_id
    group by counted_lines.order_date
),

days as (
    select date_day
    from {{ ref('dim_date') }}
    where date_day >= (select min(order_date) from {{ ref('stg_shop__orders') }})
      and date_day <= (select max(order_date) from {{ ref('stg_shop__orders') }})
)

select
    days.date_day,
    coalesce(daily.orders, 0) as orders,
    coalesce(daily.lines, 0) as lines,
    coalesce(daily.customers, 0) as customers,
    coalesce(daily.new_customers, 0) as new_customers,
    coalesce(daily.customers, 0) - coalesce(daily.new_customers, 0) as returning_customers,
    cast(coalesce(daily.gross, 0) as decimal(18, 2)) as gross,
    cast(coalesce(daily.discounts, 0) as decimal(18, 2)) as discounts,
    cast(coalesce(daily.net, 0) as decimal(18, 2)) as net,
    cast(coalesce(daily.refunds, 0) as decimal(18, 2)) as refunds,
    case when coalesce(daily.orders, 0) = 0 then null
         -- round half up in cents, computed the same way on DuckDB and PostgreSQL
         -- (PostgreSQL's round(double) rounds half to even)
         else {{ core_cents_to_dollars('floor(cast(cast(daily.net * 100 as bigint) * 2 + daily.orders as double precision) / (2 * daily.orders))') }}
    end as aov
from days
left join daily
    on daily.order_date = days.date_day
