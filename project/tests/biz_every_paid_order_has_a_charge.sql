-- Every order the shop treats as paid (status paid, shipped, delivered or returned) has at
-- least one succeeded Stripe charge. Checked on the data first: all 1,710 such orders have
-- exactly one succeeded charge. Not included on purpose: 'placed' (not paid yet) and
-- 'cancelled' (89 orders: 55 were charged and then fully refunded, 34 had a failed charge).
-- Returns the offending orders; payments_reconciliation calls them 'missing_charge'. Checks
-- the orders the last run of stg_shop__orders wrote; test_rows: all checks every order.
select
    orders.order_id,
    orders.status
from {{ written_by_the_last_run(ref('stg_shop__orders')) }} as orders
where orders.status in ('paid', 'shipped', 'delivered', 'returned')
  and not exists (
      select 1
      from {{ ref('stg_stripe__charges') }} as charges
      where charges.order_id = orders.order_id
        and charges.status = 'succeeded'
  )
