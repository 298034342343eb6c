-- Every order the shop treats as paid (status paid, shipped, delivered or returned) has at
-- least one succeeded Stripe charge. Checked on the data first: all 1,710 such orders have
-- exactly one succeeded charge. Not included on purpose: 'placed' (not paid yet) and
-- 'cancelled' (89 orders: 55 were charged and then fully refunded, 34 had a failed charge).
-- Returns the offending orders; payments_reconciliation calls them 'missing_charge'. Checks
-- the orders the last run of stg_shop__orders wrote; test_rows: all checks every order.
-- A set difference, not a correlated `not exists`, which DuckDB runs as a delim join
-- (12 M orders: 0.9 s against 2.8 s). When the run checks only some orders, the charges
-- are cut down to theirs first.
{%- set scoped = last_run_condition(ref('stg_shop__orders')) | trim %}
with paid_orders as (
    select order_id, status
    from {{ rows_where(ref('stg_shop__orders'), scoped) }} as orders
    where status in ('paid', 'shipped', 'delivered', 'returned')
),

missing as (
    select order_id from paid_orders
    except
    select order_id
    from {{ ref('stg_stripe__charges') }}
    where status = 'succeeded'
    {%- if scoped %}
      and order_id in (select order_id from paid_orders)
    {%- endif %}
)

select order_id, status
from paid_orders
where order_id in (select order_id from missing)
