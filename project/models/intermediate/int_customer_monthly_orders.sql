-- depends_on: {{ ref('orders_snapshot') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    post_hook="delete from {{ this }} where order_month is null"
) }}
-- Orders per customer and calendar month (UTC) of their order date, the grain
-- cohort_retention adds up. order_count and revenue_cents (total_cents) count the orders of
-- every status except 'cancelled'; cancelled orders stay as rows (cancelled_orders) so that
-- a customer whose orders were all cancelled is still rewritten. cohort_month: the
-- customer's first month with a non-cancelled order (NULL if none).
-- Incremental (delete+insert by customer_id): a run recomputes the customers whose spend
-- an order loaded since its last run (_refreshed_at) changed: a new order, one cancelled
-- or restored, a new total or order time, and both customers of an order that moved to
-- another (macros/latest.sql); a move between counted statuses changes nothing here. A
-- customer left without orders gets an empty row (order_month NULL), which replaces its
-- old rows and which the post-hook deletes.

{%- set last_run = last_run_at() if is_incremental() else none %}
with
{%- if is_incremental() %}
changed_customers as (
    {{ customers_of_orders_with_spend_changed_since(last_run) }}
),
{%- endif %}

orders as (
    select customer_id, {{ biz_month_start('order_date') }} as order_month, status, total_cents
    from {{ ref('stg_shop__orders') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from changed_customers)
    {%- endif %}
),

monthly as (
    select
        customer_id,
        order_month,
        cast(sum(case when status <> 'cancelled' then 1 else 0 end) as bigint) as order_count,
        cast(sum(case when status <> 'cancelled' then total_cents else 0 end) as bigint) as revenue_cents,
        cast(sum(case when status = 'cancelled' then 1 else 0 end) as bigint) as cancelled_orders
    from orders
    group by customer_id, order_month
)

select
    customer_id,
    order_month,
    -- every month of a customer is rewritten together, so the cohort stays consistent
    min(case when order_count > 0 then order_month end) over (partition by customer_id) as cohort_month,
    order_count,
    revenue_cents,
    cancelled_orders,
    current_timestamp as _refreshed_at
from monthly
{%- if is_incremental() %}
union all
select
    changed_customers.customer_id,
    cast(null as date) as order_month,
    cast(null as date) as cohort_month,
    cast(0 as bigint) as order_count,
    cast(0 as bigint) as revenue_cents,
    cast(0 as bigint) as cancelled_orders,
    current_timestamp as _refreshed_at
from changed_customers
left join (select distinct customer_id from orders) as ordering
    on ordering.customer_id = changed_customers.customer_id
where ordering.customer_id is null
  and changed_customers.customer_id is not null
{%- endif %}
