-- depends_on: {{ ref('orders_snapshot') }} (customers_with_spend_changed_since)
{#- One row per customer (every customer in stg_shop__customers, buyers or not).
    Lifetime value = net revenue of the customer's non-cancelled orders minus the succeeded
    Stripe refunds on those orders. An order's net revenue is its total_cents (subtotal - discount
    + shipping + tax): what the customer was charged, the amount refunds are taken from.
    Cancelled orders count nowhere here (their refunds only undo their own charges).
    Incremental (delete+insert by customer_id): a run recomputes the customers whose row
    was loaded since the last run (_refreshed_at) or whose spend an order or a refund
    loaded since changed (macros/latest.sql: a move between counted statuses changes
    nothing here), and drops the customers gone from staging (hard-deleted at the source). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    meta={'column_compression': {'email': 'zstd'}},
    post_hook="delete from {{ this }} where customer_id not in (select customer_id from {{ ref('stg_shop__customers') }})"
) }}
{%- set last_run = last_run_at() if is_incremental() else none %}
with
{%- if is_incremental() %}
changed_customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
    where _loaded_at > {{ last_run }}
    union
    {{ customers_with_spend_changed_since(last_run) }}
),
{%- endif %}

customers as (
    select * from {{ ref('stg_shop__customers') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from changed_customers)
    {%- endif %}
),

orders as (
    select order_id, customer_id, status, total_cents, ordered_at
    from {{ ref('stg_shop__orders') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from changed_customers)
    {%- endif %}
),

refunds_per_order as (
    select refunds.order_id, sum(refunds.amount_cents) as refunded_cents
    from {{ ref('stg_stripe__refunds') }} as refunds
    {%- if is_incremental() %}
    inner join orders on orders.order_id = refunds.order_id
    {%- endif %}
    where refunds.status = 'succeeded'
    group by refunds.order_id
),

-- Every order with its refunds, grouped once per customer: the non-cancelled ones counted
-- into the figures, the cancelled ones only counted (one grouping of the orders rather
-- than one of each kind).
per_customer as (
    select
        orders.customer_id,
        count(*) filter (where orders.status <> 'cancelled') as order_count,
        count(*) filter (where orders.status = 'cancelled') as cancelled_order_count,
        cast(sum(orders.total_cents) filter (where orders.status <> 'cancelled') as bigint)
            as net_revenue_cents,
        cast(sum(coalesce(refunds_per_order.refunded_cents, 0))
                 filter (where orders.status <> 'cancelled') as bigint) as refunded_cents,
        min(orders.ordered_at) filter (where orders.status <> 'cancelled') as first_order_at,
        max(orders.ordered_at) filter (where orders.status <> 'cancelled') as last_order_at
    from orders
    left join refunds_per_order on refunds_per_order.order_id = orders.order_id
    group by orders.customer_id
)

select
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.last_name,
    customers.country,
    customers.city,
    customers.marketing_opt_in,
    customers.acquisition_channel,
    customers.created_at as signed_up_at,
    customers.is_deleted,
    coalesce(per_customer.order_count, 0) as order_count,
    coalesce(per_customer.cancelled_order_count, 0) as cancelled_order_count,
    per_customer.first_order_at,
    per_customer.last_order_at,
    case
        when per_customer.order_count > 1
            then {{ biz_days_between('per_customer.first_order_at', 'per_customer.last_order_at') }}
                 / (per_customer.order_count - 1)
    end as avg_days_between_orders,
    {{ biz_dollars('coalesce(per_customer.net_revenue_cents, 0)') }} as net_revenue,
    {{ biz_dollars('coalesce(per_customer.refunded_cents, 0)') }} as refunded_amount,
    {{ biz_dollars('coalesce(per_customer.net_revenue_cents, 0) - coalesce(per_customer.refunded_cents, 0)') }} as lifetime_value,
    cast(coalesce(per_customer.net_revenue_cents, 0) - coalesce(per_customer.refunded_cents, 0) as bigint) as lifetime_value_cents,
    current_timestamp as _refreshed_at
from customers
left join per_customer on per_customer.customer_id = customers.customer_id
