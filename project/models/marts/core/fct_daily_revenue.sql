{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='date_day'
) }}
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
--   new_customers: the day's customers whose first counted order (in the warehouse's
--   history: int_customer_first_orders) is on that day; returning_customers: the day's
--   other customers.
-- Incremental (delete+insert by date_day): a run recomputes the days of the fact lines
-- written since its last run (_refreshed_at), the days whose count of first orders no
-- longer matches their new_customers (a customer's first order moved in or out), and the
-- days the table does not hold yet.

{%- if is_incremental() %}
{%- set affected_days -%}
    with
    last_run as (
        select min(date_day) as first_day, max(date_day) as last_day
        from {{ this }}
    ),

    -- Days whose count of first orders (int_customer_first_orders) differs from the stored
    -- new_customers: a customer's first order moved in or out of them (a new customer, a
    -- cancelled first order, a late earlier order).
    first_order_days as (
        select first_order_date as date_day, count(*) as first_orders
        from {{ ref('int_customer_first_orders') }}
        group by first_order_date
    ),

    moved_days as (
        select coalesce(first_order_days.date_day, stored.date_day) as date_day
        from first_order_days
        full outer join (select date_day, new_customers from {{ this }}) as stored
            on stored.date_day = first_order_days.date_day
        where coalesce(first_order_days.first_orders, 0) <> coalesce(stored.new_customers, 0)
    )

    select distinct order_date as date_day
    from {{ ref('fact_orders') }}
    where _refreshed_at > {{ last_run_at() }}
    union
    select date_day from moved_days
    union
    select date_day
    from {{ ref('dim_date') }}
    where date_day > (select coalesce(last_day, cast('1900-01-01' as date)) from last_run)
       or date_day < (select coalesce(first_day, cast('9999-12-31' as date)) from last_run)
{%- endset %}
{#- Read first, as literals: the fact's scan skips the days before (macros/latest.sql). -#}
{%- set days = dates_read_now(affected_days) %}
{%- endif %}
with
order_range as (
    select min(order_date) as first_day, max(order_date) as last_day
    from {{ ref('stg_shop__orders') }}
),

counted_lines as (
    select
        order_id, order_item_id, customer_id, order_date,
        gross_revenue, discount, net_revenue, refunded_amount
    from {{ ref('fact_orders') }}
    where status <> 'cancelled'
    {%- if is_incremental() %}
      and {{ rows_on_dates('ordered_at', 'order_date', days) }}
    {%- endif %}
),

first_orders as (
    select customer_id, first_order_date
    from {{ ref('int_customer_first_orders') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from counted_lines)
    {%- endif %}
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
    left join first_orders
        on first_orders.customer_id = counted_lines.customer_id
    group by counted_lines.order_date
),

days as (
    select date_day
    from {{ ref('dim_date') }}
    where date_day >= (select first_day from order_range)
      and date_day <= (select last_day from order_range)
    {%- if is_incremental() %}
      and date_day in ({{ days.list }})
    {%- endif %}
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
    end as aov,
    current_timestamp as _refreshed_at
from days
left join daily
    on daily.order_date = days.date_day
