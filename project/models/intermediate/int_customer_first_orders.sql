-- depends_on: {{ ref('orders_snapshot') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    post_hook="delete from {{ this }} where first_order_id is null"
) }}
-- Each customer's first non-cancelled order (by ordered_at, then order_id): the rollup
-- fct_daily_revenue and marketing_performance read their new customers from, so that
-- neither scans every order of a customer to find its first.
-- Customers whose every order was cancelled have no row.
-- Incremental (delete+insert by customer_id): a run recomputes the customers with an
-- order loaded since its last run (_refreshed_at): a new order, or a status change such
-- as a cancellation of the first; an order that moved to another customer rewrites both.
-- A customer left without a counted order gets an empty row, which the post-hook deletes.

{%- set last_run = last_run_at() if is_incremental() else none %}
with
{%- if is_incremental() %}
changed_customers as (
    select distinct customer_id from (
        {{ customers_of_orders_loaded_since(last_run) }}
    ) as customers
    where customer_id is not null
),
{%- endif %}

ranked as (
    select
        customer_id,
        order_id,
        ordered_at,
        order_date,
        utm_campaign,
        row_number() over (partition by customer_id order by ordered_at, order_id) as order_rank
    from {{ ref('stg_shop__orders') }}
    where status <> 'cancelled'
      and customer_id is not null
    {%- if is_incremental() %}
      and customer_id in (select customer_id from changed_customers)
    {%- endif %}
),

first_orders as (
    select * from ranked where order_rank = 1
)

select
    {%- if is_incremental() %}
    changed_customers.customer_id,
    {%- else %}
    first_orders.customer_id,
    {%- endif %}
    first_orders.order_id as first_order_id,
    first_orders.ordered_at as first_ordered_at,
    first_orders.order_date as first_order_date,
    first_orders.utm_campaign as first_utm_campaign,
    current_timestamp as _refreshed_at
{%- if is_incremental() %}
from changed_customers
left join first_orders
    on first_orders.customer_id = changed_customers.customer_id
{%- else %}
from first_orders
{%- endif %}
