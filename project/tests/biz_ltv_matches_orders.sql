-- customer_ltv recomputed from staging, customer by customer, in exact cents: lifetime value
-- = total_cents of the non-cancelled orders - succeeded refunds on those orders, and the
-- order count. Also: every customer is in the mart exactly once (customers without orders
-- have 0). Returns the customers that disagree. Checks the customers the last run of
-- customer_ltv wrote (every customer with test_rows: all).
{#- Scoped when the last run wrote some customers only: after a full build, filters by the
    whole mart would only cost (3.3 of 8.4 CPU-seconds at full scale). #}
-- Over every customer (a full build, test_rows: all), first a checksum of each side
-- (macros/core_checksum.sql): the mart's rows, the customers and their orders and refunds,
-- every count and amount weighted by its customer. Only when they differ does the
-- customer-by-customer comparison below run, to name the customers. The few customers an
-- incremental run wrote are compared directly.
{%- set scoped = last_run_condition(ref('customer_ltv')) | trim %}
{%- set checksums_sql -%}
    with mart as (
        select
            sum(weight) as customers,
            sum({{ core_checksum_term('weight', 'order_count') }}) as orders,
            sum({{ core_checksum_term('weight', 'lifetime_value_cents') }}) as ltv,
            sum(case when lifetime_value <> cast(lifetime_value_cents / 100.0 as decimal(18, 2))
                     then 1 else 0 end) as broken_dollars
        from (select *, {{ core_checksum_weight('customer_id') }} as weight
              from {{ ref('customer_ltv') }}) as mart
    ),

    customers as (
        select sum({{ core_checksum_weight('customer_id') }}) as customers
        from {{ ref('stg_shop__customers') }}
    ),

    counted_orders as (
        select order_id, {{ core_checksum_weight('customer_id') }} as weight, total_cents
        from {{ ref('stg_shop__orders') }}
        where status <> 'cancelled'
    ),

    orders as (
        select sum(weight) as orders, sum({{ core_checksum_term('weight', 'total_cents') }}) as ltv
        from counted_orders
    ),

    refunds as (
        select sum({{ core_checksum_term('counted_orders.weight', 'refunds.amount_cents') }}) as ltv
        from {{ ref('stg_stripe__refunds') }} as refunds
        inner join counted_orders
            on counted_orders.order_id = refunds.order_id
        where refunds.status = 'succeeded'
    )

    select
        {{ core_checksum_differs('mart.customers', 'customers.customers') }}
        + {{ core_checksum_differs('mart.orders', 'orders.orders') }}
        + {{ core_checksum_differs('mart.ltv', 'orders.ltv - coalesce(refunds.ltv, 0)') }}
        + coalesce(mart.broken_dollars, 0)
    from mart
    cross join customers
    cross join orders
    cross join refunds
{%- endset %}
{#- Scoped, and while parsing, the comparison runs as it is. #}
{%- set differences = core_checksum_differences(checksums_sql, scoped) %}
{%- if differences is not none %}
-- Checksums that differ: {{ differences }} (0: every customer matches, and nothing below runs).
{%- endif %}
select * from (
with ltv as (
    select * from {{ rows_where(ref('customer_ltv'), scoped) }} as written
),

-- The counted orders of those customers: filtered before the join, since a filter on the
-- customers alone would not reach the scan of the orders.
counted_orders as (
    select order_id, customer_id, total_cents
    from {{ ref('stg_shop__orders') }}
    where status <> 'cancelled'
    {%- if scoped %}
      and customer_id in (select customer_id from ltv)
    {%- endif %}
),

refunds as (
    select order_id, sum(amount_cents) as refunded_cents
    from {{ ref('stg_stripe__refunds') }}
    where status = 'succeeded'
    {%- if scoped %}
      and order_id in (select order_id from counted_orders)
    {%- endif %}
    group by order_id
),

expected as (
    select
        customers.customer_id,
        count(orders.order_id) as order_count,
        coalesce(sum(orders.total_cents), 0) - coalesce(sum(refunds.refunded_cents), 0) as ltv_cents
    from {{ ref('stg_shop__customers') }} as customers
    left join counted_orders as orders
        on orders.customer_id = customers.customer_id
    left join refunds on refunds.order_id = orders.order_id
    {%- if scoped %}
    where customers.customer_id in (select customer_id from ltv)
    {%- endif %}
    group by customers.customer_id
)

select
    coalesce(expected.customer_id, ltv.customer_id) as customer_id,
    expected.order_count as expected_orders,
    ltv.order_count as mart_orders,
    expected.ltv_cents as expected_ltv_cents,
    ltv.lifetime_value_cents as mart_ltv_cents
from expected
full outer join ltv
    on ltv.customer_id = expected.customer_id
where expected.customer_id is null
   or ltv.customer_id is null
   or expected.order_count <> ltv.order_count
   or expected.ltv_cents <> ltv.lifetime_value_cents
   or ltv.lifetime_value <> cast(ltv.lifetime_value_cents / 100.0 as decimal(18, 2))
) as compared
{%- if differences is not none %}
where {{ differences }} > 0
{%- endif %}
