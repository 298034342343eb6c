-- The identity that holds in stg_shop__orders (checked on the data, every order):
--   subtotal_cents = sum of line gross (quantity * unit price)
--   discount_cents = sum of line discounts
--   total_cents    = subtotal_cents - discount_cents + shipping_cents + tax_cents
-- so per order, to the cent:
--   sum(net_revenue) = subtotal - discount, sum(gross_revenue) = subtotal,
--   sum(discount) = discount, sum(shipping_allocated) = shipping, sum(tax_allocated) = tax,
--   sum(net_revenue + shipping_allocated + tax_allocated) = total,
--   sum(refunded_amount) = succeeded Stripe refunds of the order.
-- Returns every order of the fact where one of these fails. Checks the orders the last run
-- of fact_orders wrote (it rewrites whole orders); test_rows: all checks every order.
-- The lines' amounts add up in integer cents (each DECIMAL(18,2) amount times 100 is a
-- whole number, so nothing rounds), which compare faster than the wide decimals their
-- sums would make (5.3 s against 6.0 for 12 M orders).
-- Over every order (a full build, test_rows: all), first a checksum of each side
-- (macros/core_checksum.sql): the fact's lines and the orders, every amount weighted by
-- its order. Only when the two differ does the order-by-order comparison below run, to
-- name the orders. At full scale, grouping 30 M lines into 12 M orders took 4.7-6.0 s,
-- the checksums 1.6-2.1 s. The few orders an incremental run wrote are compared directly.
{%- set scoped = last_run_condition(ref('fact_orders')) | trim %}
{%- set checksums_sql -%}
    with fact as (
        select
            sum({{ core_checksum_term('weight', 'cast(gross_revenue * 100 as bigint)') }}) as gross,
            sum({{ core_checksum_term('weight', 'cast(discount * 100 as bigint)') }}) as discount,
            sum({{ core_checksum_term('weight', 'cast(net_revenue * 100 as bigint)') }}) as net,
            sum({{ core_checksum_term('weight', 'cast(shipping_allocated * 100 as bigint)') }}) as shipping,
            sum({{ core_checksum_term('weight', 'cast(tax_allocated * 100 as bigint)') }}) as tax,
            sum({{ core_checksum_term('weight', 'cast(refunded_amount * 100 as bigint)') }}) as refunded
        from (select *, {{ core_checksum_weight('order_id') }} as weight
              from {{ ref('fact_orders') }}) as lines
    ),

    orders as (
        select
            sum({{ core_checksum_term('weight', 'subtotal_cents') }}) as gross,
            sum({{ core_checksum_term('weight', 'discount_cents') }}) as discount,
            sum({{ core_checksum_term('weight', 'subtotal_cents - discount_cents') }}) as net,
            sum({{ core_checksum_term('weight', 'shipping_cents') }}) as shipping,
            sum({{ core_checksum_term('weight', 'tax_cents') }}) as tax,
            sum(case when total_cents <> subtotal_cents - discount_cents + shipping_cents + tax_cents
                     then 1 else 0 end) as broken_totals
        from (select *, {{ core_checksum_weight('order_id') }} as weight
              from {{ ref('stg_shop__orders') }}) as orders
    ),

    refunds as (
        select sum({{ core_checksum_term('weight', 'amount_cents') }}) as refunded
        from (select *, {{ core_checksum_weight('order_id') }} as weight
              from {{ ref('stg_stripe__refunds') }}
              where status = 'succeeded') as refunds
    )

    select
        {{ core_checksum_differs('fact.gross', 'orders.gross') }}
        + {{ core_checksum_differs('fact.discount', 'orders.discount') }}
        + {{ core_checksum_differs('fact.net', 'orders.net') }}
        + {{ core_checksum_differs('fact.shipping', 'orders.shipping') }}
        + {{ core_checksum_differs('fact.tax', 'orders.tax') }}
        + {{ core_checksum_differs('fact.refunded', 'refunds.refunded') }}
        + coalesce(orders.broken_totals, 0)
    from fact
    cross join orders
    cross join refunds
{%- endset %}
{#- Scoped, and while parsing, the comparison runs as it is. #}
{%- set differences = core_checksum_differences(checksums_sql, scoped) %}
{%- if differences is not none %}
-- Checksums that differ: {{ differences }} (0: every order matches, and nothing below runs).
{%- endif %}
select * from (
with fact as (
    select
        order_id,
        sum(cast(gross_revenue * 100 as bigint)) as gross_cents,
        sum(cast(discount * 100 as bigint)) as discount_cents,
        sum(cast(net_revenue * 100 as bigint)) as net_cents,
        sum(cast(shipping_allocated * 100 as bigint)) as shipping_cents,
        sum(cast(tax_allocated * 100 as bigint)) as tax_cents,
        sum(cast(refunded_amount * 100 as bigint)) as refunded_cents
    from {{ rows_where(ref('fact_orders'), scoped) }} as written
    group by order_id
),

refunds as (
    select order_id, sum(amount_cents) as refunded_cents
    from {{ ref('stg_stripe__refunds') }}
    where status = 'succeeded'
      and order_id in (select order_id from fact)
    group by order_id
)

select orders.order_id, fact.net_cents, orders.subtotal_cents, orders.discount_cents, orders.total_cents
{#- Scoped, the orders are cut to the fact's first (a semi-join builds on the few orders;
    the inner join alone built its hash table on the 12 M orders: 2.9 s against 0.6). #}
from {{ rows_with_keys_in(ref('stg_shop__orders'), 'order_id', 'fact', when=scoped) }} as orders
inner join fact
    on fact.order_id = orders.order_id
left join refunds
    on refunds.order_id = orders.order_id
where fact.net_cents <> orders.subtotal_cents - orders.discount_cents
   or fact.gross_cents <> orders.subtotal_cents
   or fact.discount_cents <> orders.discount_cents
   or fact.shipping_cents <> orders.shipping_cents
   or fact.tax_cents <> orders.tax_cents
   or fact.net_cents + fact.shipping_cents + fact.tax_cents <> orders.total_cents
   or orders.total_cents <> orders.subtotal_cents - orders.discount_cents + orders.shipping_cents + orders.tax_cents
   or fact.refunded_cents <> coalesce(refunds.refunded_cents, 0)
) as compared
{%- if differences is not none %}
where {{ differences }} > 0
{%- endif %}
