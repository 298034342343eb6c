{#- Each shop order against Stripe, plus one row per Stripe charge that has no shop order.
    Links: charges.order_id -> orders; refunds and disputes by charge_id; Stripe fees from
    balance transactions by source_id (a charge's, refund's or dispute's id).
    Amounts per order: captured = amount_captured of succeeded charges; fees = fee of every
    balance transaction of the order's charges, refunds and disputes (card fees + dispute
    fees); refunded = succeeded refunds; disputed = dispute amounts; stripe_net = net of
    those balance transactions (captured - fees - refunds - dispute withdrawals).

    mismatch_category, the FIRST that applies:
      charge_without_order    a Stripe charge whose order_id is NULL or not a shop order
      disputed                the order has a dispute (any status)
      missing_charge          status paid/shipped/delivered/returned but no succeeded charge
      failed_payment          status placed/cancelled, no succeeded charge, a failed charge
      unpaid                  status placed/cancelled and no charge at all
      amount_mismatch         captured (succeeded charges) <> order total_cents
      cancelled_not_refunded  status cancelled, money captured and not all of it refunded
      refunded                succeeded refunds > 0 (full or partial; returns, cancellations)
      ok                      one succeeded capture of exactly the order total, no refund,
                              no dispute
    (pending charges count as neither succeeded nor failed.)
    Incremental (delete+insert by reconciliation_key): a run recomputes the orders whose
    order, charges, refunds, disputes or balance transactions were loaded since its last
    run (_refreshed_at), and drops the charge_without_order rows whose order has arrived. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='reconciliation_key',
    meta={'column_compression': {'reconciliation_key': 'zstd', 'charge_id': 'zstd', 'order_number': 'zstd'}},
    post_hook="delete from {{ this }} where order_id is null and charge_id in (select charges.charge_id from {{ ref('stg_stripe__charges') }} as charges inner join {{ ref('stg_shop__orders') }} as orders on orders.order_id = charges.order_id where charges.charge_id in (select charge_id from {{ this }} where order_id is null))"
) }}
{%- set last_run = last_run_at() if is_incremental() else none %}
with
{%- if is_incremental() %}
-- What changed since the last run is found by order id wherever it can be: charge ids are
-- long strings, and a scan that matches every charge id (or balance transaction source)
-- against a set costs seconds at full scale, where an integer key costs a tenth of that.

-- The balance transactions loaded since.
balance_since as (
    select source_id, created_at from {{ ref('stg_stripe__balance_transactions') }}
    where _loaded_at > {{ last_run }}
),

-- Refunds and disputes touched since: loaded since, or one of their balance transactions.
touched_refunds as (
    select refund_id, charge_id, order_id from {{ ref('stg_stripe__refunds') }}
    where _loaded_at > {{ last_run }}
       or refund_id in (select source_id from balance_since)
),

touched_disputes as (
    select dispute_id, charge_id, order_id from {{ ref('stg_stripe__disputes') }}
    where _loaded_at > {{ last_run }}
       or dispute_id in (select source_id from balance_since)
),

-- The orders touched since: loaded since, or the order of a charge, refund or dispute
-- touched since.
touched_orders as (
    select order_id from {{ ref('stg_shop__orders') }}
    where _loaded_at > {{ last_run }}
    union
    select order_id from {{ ref('stg_stripe__charges') }}
    where _loaded_at > {{ last_run }}
    union
    select order_id from touched_refunds
    union
    select order_id from touched_disputes
),

-- The charges of the orders touched, and the charges loaded since (with or without an
-- order).
charges_by_order as (
    select charge_id, order_id, status, created_at, amount_captured_cents
    from {{ ref('stg_stripe__charges') }}
    where order_id in (select order_id from touched_orders)
    union
    select charge_id, order_id, status, created_at, amount_captured_cents
    from {{ ref('stg_stripe__charges') }}
    where _loaded_at > {{ last_run }}
),

-- The charges touched that their order did not find: the source of a balance transaction
-- loaded since that is no refund or dispute (the extraction reloads the last day's), or
-- the charge of a refund or dispute of another order, or of none.
other_charge_ids as (
    select charge_id from touched_refunds
    union
    select charge_id from touched_disputes
    union
    select source_id from balance_since
    where source_id not in (select refund_id from touched_refunds)
      and source_id not in (select dispute_id from touched_disputes)
    except
    select charge_id from charges_by_order
),

-- Looked for first among the charges created in the 31 days before the earliest balance
-- transaction loaded since: Stripe creates a charge's balance transaction when it is
-- captured, at most 7 days (30 with an extended authorisation) after the charge. The scan
-- skips the older row groups, and the ids it matches are a few days' worth.
recent_other_charges as (
    select charges.charge_id, charges.order_id, charges.status, charges.created_at,
           charges.amount_captured_cents
    from (
        select other_charge_ids.charge_id, capture_window.created_from
        from other_charge_ids
        cross join (select {{ core_add_days('min(created_at)', '-31') }} as created_from
                    from balance_since) as capture_window
    ) as wanted
    inner join {{ ref('stg_stripe__charges') }} as charges
        on charges.charge_id = wanted.charge_id
       and charges.created_at >= wanted.created_from
),

-- And the rest among every charge: none on most days, and then the charge ids are not
-- scanned at all.
other_charges as (
    select * from recent_other_charges
    union all
    select charge_id, order_id, status, created_at, amount_captured_cents
    from {{ ref('stg_stripe__charges') }}
    where charge_id in (
        select charge_id from other_charge_ids
        except
        select charge_id from recent_other_charges)
),

changed_orders as (
    select order_id from touched_orders
    union
    select order_id from other_charges
),
{%- endif %}

orders as (
    select order_id, order_number, customer_id, status, order_date, ordered_at, total_cents
    from {{ ref('stg_shop__orders') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from changed_orders)
    {%- endif %}
),

-- Only the columns the reconciliation reads. In an incremental run: every charge of the
-- orders changed, and the changed charges without one.
charges as (
    {%- if is_incremental() %}
    select * from charges_by_order
    union
    select charge_id, order_id, status, created_at, amount_captured_cents
    from {{ ref('stg_stripe__charges') }}
    where order_id in (select order_id from other_charges)
    union
    select * from other_charges
    {%- else %}
    select charge_id, order_id, status, created_at, amount_captured_cents
    from {{ ref('stg_stripe__charges') }}
    {%- endif %}
),

{%- if is_incremental() %}

-- The earliest charge read. Its refunds, disputes and balance transactions were created
-- no earlier than it (Stripe creates them for a charge that exists, and a charge's own
-- balance transaction when it is captured), so the scans below skip the row groups before
-- it, and match fewer ids.
earliest_charge as (
    select min(created_at) as created_at from charges
),
{%- endif %}

refunds as (
    select refunds.charge_id, refunds.refund_id, refunds.status, refunds.amount_cents
    from {{ ref('stg_stripe__refunds') }} as refunds
    {%- if is_incremental() %}
    where refunds.created_at >= (select created_at from earliest_charge)
      and refunds.charge_id in (select charge_id from charges)
    {%- endif %}
),

disputes as (
    select disputes.charge_id, disputes.dispute_id, disputes.amount_cents
    from {{ ref('stg_stripe__disputes') }} as disputes
    {%- if is_incremental() %}
    where disputes.created_at >= (select created_at from earliest_charge)
      and disputes.charge_id in (select charge_id from charges)
    {%- endif %}
),

-- The balance transactions of the charges, refunds and disputes read, one row each, not
-- grouped by source id: a source has one as a rule (a dispute can have two), and per_charge
-- copes with more. At full scale, grouping the 12.9 M by their text source before joining
-- them took more than the join itself (the full statement alone, alternating, five runs
-- each: 17.8-25.4 s, median 20.1, against 22.3-30.3 s, median 23.3; the same rows).
balance as (
    select balance.source_id, balance.fee_cents, balance.net_cents
    {%- if is_incremental() %}
    -- a join, not `in`, with the earliest charge's time on the ids: DuckDB then builds its
    -- hash table on the ids and probes it with the scan, which skips the older row groups
    from (
        select ids.source_id, earliest_charge.created_at
        from (
            select charge_id as source_id from charges
            union
            select refund_id from refunds
            union
            select dispute_id from disputes
        ) as ids
        cross join earliest_charge
    ) as wanted
    inner join {{ ref('stg_stripe__balance_transactions') }} as balance
        on balance.source_id = wanted.source_id
       and balance.created_at >= wanted.created_at
    {%- else %}
    from {{ ref('stg_stripe__balance_transactions') }} as balance
    {%- endif %}
),

-- Per charge: its refunds' succeeded amounts, and the fees and net of their balance
-- transactions.
refund_facts as (
    select
        charge_id,
        cast(sum(refunded_cents) as bigint) as refunded_cents,
        cast(sum(fee_cents) as bigint) as fee_cents,
        cast(sum(net_cents) as bigint) as net_cents
    from (
        select
            charge_id,
            case when status = 'succeeded' then amount_cents else 0 end as refunded_cents,
            0 as fee_cents,
            0 as net_cents
        from refunds
        union all
        select refunds.charge_id, 0, balance.fee_cents, balance.net_cents
        from refunds
        inner join balance on balance.source_id = refunds.refund_id
    ) as refund_money
    group by charge_id
),

-- Per charge: its disputes (count and amounts), and the fees and net of their balance
-- transactions.
dispute_facts as (
    select
        charge_id,
        cast(sum(disputes) as bigint) as dispute_count,
        cast(sum(disputed_cents) as bigint) as disputed_cents,
        cast(sum(fee_cents) as bigint) as fee_cents,
        cast(sum(net_cents) as bigint) as net_cents
    from (
        select charge_id, 1 as disputes, amount_cents as disputed_cents, 0 as fee_cents,
               0 as net_cents
        from disputes
        union all
        select disputes.charge_id, 0, 0, balance.fee_cents, balance.net_cents
        from disputes
        inner join balance on balance.source_id = disputes.dispute_id
    ) as dispute_money
    group by charge_id
),

-- One row per charge and balance transaction of its own (one per charge, or none for a
-- charge not captured; a charge with several has a row for each). The figures of its
-- refunds and disputes (other_*) are on each of its rows, to be counted once.
per_charge as (
    select
        charges.charge_id,
        charges.order_id,
        charges.status,
        charges.created_at,
        case when charges.status = 'succeeded' then charges.amount_captured_cents else 0 end as captured_cents,
        coalesce(balance.fee_cents, 0) as own_fee_cents,
        coalesce(balance.net_cents, 0) as own_net_cents,
        coalesce(refund_facts.fee_cents, 0) + coalesce(dispute_facts.fee_cents, 0) as other_fee_cents,
        coalesce(refund_facts.net_cents, 0) + coalesce(dispute_facts.net_cents, 0) as other_net_cents,
        coalesce(refund_facts.refunded_cents, 0) as refunded_cents,
        coalesce(dispute_facts.dispute_count, 0) as dispute_count,
        coalesce(dispute_facts.disputed_cents, 0) as disputed_cents
    from charges
    left join balance on balance.source_id = charges.charge_id
    left join refund_facts on refund_facts.charge_id = charges.charge_id
    left join dispute_facts on dispute_facts.charge_id = charges.charge_id
),

-- The orders with more than one row in per_charge (a payment retried, say, or a charge
-- with several balance transactions), found by sorting the rows' order ids. Most orders
-- have one charge with one balance transaction, whose figures are its order's as they
-- are; only the others are grouped. Grouping every charge by its order (12 M groups at
-- full scale, a string min among them) took 20-27 s of the model's 27-33; this, 20-21 s.
multi_charge_orders as (
    select distinct order_id
    from (
        select order_id, lag(order_id) over (order by order_id) as previous_order_id
        from per_charge
        where order_id is not null
    ) as sorted
    where order_id = previous_order_id
),

-- The charges of no shop order: their order_id NULL, or not an order's. In an incremental
-- run the orders are looked up by few_keys, which DuckDB plans as the small side: the
-- plain set of per_charge's order ids made it hash all 12 M orders (2 s a day at full
-- scale).
orphan_charges as (
    select per_charge.charge_id
    from per_charge
    left join {{ rows_with_keys_in(ref('stg_shop__orders'), 'order_id',
                                   '(' ~ few_keys('select order_id from per_charge', 'order_id')
                                   ~ ') as charge_orders', 'order_id') }}
        as all_orders
        on all_orders.order_id = per_charge.order_id
    where all_orders.order_id is null
),

-- The charges of the orders with several rows, and the charges of no shop order, one row
-- each: their own balance transactions added up, the rest counted once. Few at any scale.
grouped_charges as (
    select
        charge_id,
        min(order_id) as order_id,
        min(status) as status,
        min(created_at) as created_at,
        min(captured_cents) as captured_cents,
        cast(sum(own_fee_cents) + min(other_fee_cents) as bigint) as fee_cents,
        cast(sum(own_net_cents) + min(other_net_cents) as bigint) as net_cents,
        min(refunded_cents) as refunded_cents,
        min(dispute_count) as dispute_count,
        min(disputed_cents) as disputed_cents
    from per_charge
    where order_id in (select order_id from multi_charge_orders)
       or charge_id in (select charge_id from orphan_charges)
    group by charge_id
),

per_order as (
    select
        per_charge.order_id,
        cast(1 as bigint) as charge_count,
        cast(case when per_charge.status = 'succeeded' then 1 else 0 end as bigint) as succeeded_charges,
        cast(case when per_charge.status = 'failed' then 1 else 0 end as bigint) as failed_charges,
        cast(per_charge.captured_cents as bigint) as captured_cents,
        cast(per_charge.own_fee_cents + per_charge.other_fee_cents as bigint) as fee_cents,
        cast(per_charge.own_net_cents + per_charge.other_net_cents as bigint) as net_cents,
        cast(per_charge.refunded_cents as bigint) as refunded_cents,
        cast(per_charge.dispute_count as bigint) as dispute_count,
        cast(per_charge.disputed_cents as bigint) as disputed_cents,
        per_charge.charge_id as first_charge_id
    from per_charge
    left join multi_charge_orders
        on multi_charge_orders.order_id = per_charge.order_id
    where per_charge.order_id is not null
      and multi_charge_orders.order_id is null
    union all
    select
        order_id,
        count(*) as charge_count,
        cast(sum(case when status = 'succeeded' then 1 else 0 end) as bigint) as succeeded_charges,
        cast(sum(case when status = 'failed' then 1 else 0 end) as bigint) as failed_charges,
        cast(sum(captured_cents) as bigint) as captured_cents,
        cast(sum(fee_cents) as bigint) as fee_cents,
        cast(sum(net_cents) as bigint) as net_cents,
        cast(sum(refunded_cents) as bigint) as refunded_cents,
        cast(sum(dispute_count) as bigint) as dispute_count,
        cast(sum(disputed_cents) as bigint) as disputed_cents,
        -- min, not arg_min(charge_id, charge_id): 16 s against 24-40 s at full scale
        min(charge_id) as first_charge_id
    from grouped_charges
    where order_id in (select order_id from multi_charge_orders)
    group by order_id
),

order_rows as (
    select
        'order:' || cast(orders.order_id as varchar(40)) as reconciliation_key,
        orders.order_id,
        per_order.first_charge_id as charge_id,
        orders.order_number,
        orders.customer_id,
        orders.status as order_status,
        orders.order_date as reconciliation_date,
        orders.total_cents as order_total_cents,
        coalesce(per_order.charge_count, 0) as charge_count,
        coalesce(per_order.succeeded_charges, 0) as succeeded_charges,
        coalesce(per_order.failed_charges, 0) as failed_charges,
        coalesce(per_order.captured_cents, 0) as captured_cents,
        coalesce(per_order.fee_cents, 0) as fee_cents,
        coalesce(per_order.refunded_cents, 0) as refunded_cents,
        coalesce(per_order.dispute_count, 0) as dispute_count,
        coalesce(per_order.disputed_cents, 0) as disputed_cents,
        coalesce(per_order.net_cents, 0) as stripe_net_cents,
        false as is_orphan_charge
    from orders
    left join per_order on per_order.order_id = orders.order_id
),

orphan_rows as (
    select
        'charge:' || grouped_charges.charge_id as reconciliation_key,
        cast(null as bigint) as order_id,
        grouped_charges.charge_id,
        cast(null as varchar(40)) as order_number,
        cast(null as bigint) as customer_id,
        cast(null as varchar(40)) as order_status,
        {{ core_utc_date('grouped_charges.created_at') }} as reconciliation_date,
        cast(0 as bigint) as order_total_cents,
        1 as charge_count,
        case when grouped_charges.status = 'succeeded' then 1 else 0 end as succeeded_charges,
        case when grouped_charges.status = 'failed' then 1 else 0 end as failed_charges,
        grouped_charges.captured_cents,
        grouped_charges.fee_cents,
        grouped_charges.refunded_cents,
        grouped_charges.dispute_count,
        grouped_charges.disputed_cents,
        grouped_charges.net_cents as stripe_net_cents,
        true as is_orphan_charge
    from grouped_charges
    where grouped_charges.charge_id in (select charge_id from orphan_charges)
),

all_rows as (
    select * from order_rows
    union all
    select * from orphan_rows
)

select
    reconciliation_key,
    order_id,
    charge_id,
    order_number,
    customer_id,
    order_status,
    reconciliation_date,
    charge_count,
    succeeded_charges,
    failed_charges,
    dispute_count,
    {{ biz_dollars('order_total_cents') }} as order_total,
    {{ biz_dollars('captured_cents') }} as captured_amount,
    {{ biz_dollars('fee_cents') }} as fees,
    {{ biz_dollars('refunded_cents') }} as refunded_amount,
    {{ biz_dollars('disputed_cents') }} as disputed_amount,
    {{ biz_dollars('stripe_net_cents') }} as stripe_net,
    {{ biz_dollars('captured_cents - order_total_cents') }} as capture_difference,
    case
        when is_orphan_charge then 'charge_without_order'
        when dispute_count > 0 then 'disputed'
        when order_status in ('paid', 'shipped', 'delivered', 'returned') and succeeded_charges = 0
            then 'missing_charge'
        when succeeded_charges = 0 and failed_charges > 0 then 'failed_payment'
        when succeeded_charges = 0 and charge_count = 0 then 'unpaid'
        when captured_cents <> order_total_cents then 'amount_mismatch'
        when order_status = 'cancelled' and refunded_cents < captured_cents then 'cancelled_not_refunded'
        when refunded_cents > 0 then 'refunded'
        else 'ok'
    end as mismatch_category,
    current_timestamp as _refreshed_at
from all_rows
