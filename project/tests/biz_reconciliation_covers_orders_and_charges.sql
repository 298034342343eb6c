-- payments_reconciliation accounts for everything once: one row per shop order, every
-- Stripe charge counted in exactly one row, and its money totals equal staging's:
-- captured (succeeded charges), succeeded refunds, disputes, and the fees and net of the
-- charge, refund and adjustment (dispute) balance transactions. Returns what differs.
with mart as (
    select
        sum(case when order_id is not null then 1 else 0 end) as orders,
        sum(charge_count) as charges,
        sum(captured_amount) as captured,
        sum(refunded_amount) as refunded,
        sum(disputed_amount) as disputed,
        sum(fees) as fees,
        sum(stripe_net) as net
    from {{ ref('payments_reconciliation') }}
),

-- the fees and net in one pass over the balance transactions
balance as (
    select coalesce(sum(fee_cents), 0) as fee_cents, coalesce(sum(net_cents), 0) as net_cents
    from {{ ref('stg_stripe__balance_transactions') }}
    where type in ('charge', 'refund', 'adjustment')
),

expected as (
    select
        (select count(*) from {{ ref('stg_shop__orders') }}) as orders,
        (select count(*) from {{ ref('stg_stripe__charges') }}) as charges,
        (select coalesce(sum(amount_captured_cents), 0) from {{ ref('stg_stripe__charges') }} where status = 'succeeded') as captured_cents,
        (select coalesce(sum(amount_cents), 0) from {{ ref('stg_stripe__refunds') }} where status = 'succeeded') as refunded_cents,
        (select coalesce(sum(amount_cents), 0) from {{ ref('stg_stripe__disputes') }}) as disputed_cents,
        balance.fee_cents,
        balance.net_cents
    from balance
)

select mart.*, expected.*
from mart
cross join expected
where mart.orders <> expected.orders
   or mart.charges <> expected.charges
   or mart.captured * 100 <> expected.captured_cents
   or mart.refunded * 100 <> expected.refunded_cents
   or mart.disputed * 100 <> expected.disputed_cents
   or mart.fees * 100 <> expected.fee_cents
   or mart.net * 100 <> expected.net_cents
