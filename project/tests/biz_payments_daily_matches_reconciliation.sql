-- payments_daily adds up to payments_reconciliation: orders, order totals, captured
-- amounts, refunds, fees, net and the not-ok rows (the days differ, the totals may not).
with daily as (
    select
        sum(orders) as orders, sum(order_total) as order_total,
        sum(captured_amount) as captured, sum(refunded_amount) as refunded,
        sum(fees) as fees, sum(stripe_net) as net, sum(not_ok_rows) as not_ok
    from {{ ref('payments_daily') }}
),

recon as (
    select
        sum(case when order_id is not null then 1 else 0 end) as orders,
        sum(case when order_id is not null then order_total else 0 end) as order_total,
        sum(captured_amount) as captured, sum(refunded_amount) as refunded,
        sum(fees) as fees, sum(stripe_net) as net,
        sum(case when mismatch_category <> 'ok' then 1 else 0 end) as not_ok
    from {{ ref('payments_reconciliation') }}
)

select daily.*, recon.*
from daily
cross join recon
where daily.orders <> recon.orders
   or daily.order_total <> recon.order_total
   or daily.captured <> recon.captured
   or daily.refunded <> recon.refunded
   or daily.fees <> recon.fees
   or daily.net <> recon.net
   or daily.not_ok <> recon.not_ok
