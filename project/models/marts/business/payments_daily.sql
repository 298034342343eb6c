{#- One row per UTC day with any order, charge, refund, dispute or balance transaction.
    Order columns use the order date (orders placed that day and their reconciliation
    outcome from payments_reconciliation); Stripe columns use the date each Stripe object
    was created (charges, refunds, disputes) and, for fees and net, the balance
    transaction's created date. So a refund is counted on the day it happened, not on the
    day of its order.
    Incremental (delete+insert by activity_date): a run recomputes the days of the
    reconciliation rows written since its last run (_refreshed_at), of their charges, and
    of the Stripe objects loaded since. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date'
) }}
{%- set last_run = last_run_at() if is_incremental() else none %}
{%- if is_incremental() %}
{%- set affected_days -%}
    select reconciliation_date as activity_date from {{ ref('payments_reconciliation') }}
    where _refreshed_at > {{ last_run }}
    union
    select {{ core_utc_date('created_at') }} from {{ ref('stg_stripe__charges') }}
    where _loaded_at > {{ last_run }}
    union
    select {{ core_utc_date('created_at') }} from {{ ref('stg_stripe__charges') }}
    where order_id in (select order_id from {{ ref('payments_reconciliation') }}
                       where _refreshed_at > {{ last_run }})
    union
    select {{ core_utc_date('created_at') }} from {{ ref('stg_stripe__refunds') }}
    where _loaded_at > {{ last_run }}
    union
    select {{ core_utc_date('created_at') }} from {{ ref('stg_stripe__disputes') }}
    where _loaded_at > {{ last_run }}
    union
    select {{ core_utc_date('created_at') }} from {{ ref('stg_stripe__balance_transactions') }}
    where _loaded_at > {{ last_run }}
{%- endset %}
{%- set days = dates_read_now(affected_days) %}
{%- set stripe_rows_of_affected_days = rows_on_dates('created_at', core_utc_date('created_at'), days) %}
{%- endif %}
with

recon as (
    select * from {{ ref('payments_reconciliation') }}
    {%- if is_incremental() %}
    where reconciliation_date in ({{ days.list }})
    {%- endif %}
),

order_days as (
    select
        reconciliation_date as activity_date,
        cast(sum(case when order_id is not null then 1 else 0 end) as bigint) as orders,
        sum(case when order_id is not null then order_total else 0 end) as order_total,
        cast(sum(case when mismatch_category <> 'ok' then 1 else 0 end) as bigint) as not_ok_rows,
        cast(sum(case when mismatch_category = 'missing_charge' then 1 else 0 end) as bigint) as missing_charge_orders,
        cast(sum(case when mismatch_category = 'amount_mismatch' then 1 else 0 end) as bigint) as amount_mismatch_orders,
        cast(sum(case when mismatch_category = 'charge_without_order' then 1 else 0 end) as bigint) as charges_without_order
    from recon
    group by reconciliation_date
),

charge_days as (
    select
        {{ core_utc_date('created_at') }} as activity_date,
        cast(sum(case when status = 'succeeded' then 1 else 0 end) as bigint) as succeeded_charges,
        cast(sum(case when status = 'failed' then 1 else 0 end) as bigint) as failed_charges,
        cast(sum(case when status = 'succeeded' then amount_captured_cents else 0 end) as bigint) as captured_cents
    from {{ ref('stg_stripe__charges') }}
    {%- if is_incremental() %}
    where {{ stripe_rows_of_affected_days }}
    {%- endif %}
    group by {{ core_utc_date('created_at') }}
),

refund_days as (
    select
        {{ core_utc_date('created_at') }} as activity_date,
        count(*) as refunds,
        cast(sum(case when status = 'succeeded' then amount_cents else 0 end) as bigint) as refunded_cents
    from {{ ref('stg_stripe__refunds') }}
    {%- if is_incremental() %}
    where {{ stripe_rows_of_affected_days }}
    {%- endif %}
    group by {{ core_utc_date('created_at') }}
),

dispute_days as (
    select
        {{ core_utc_date('created_at') }} as activity_date,
        count(*) as disputes,
        cast(sum(amount_cents) as bigint) as disputed_cents
    from {{ ref('stg_stripe__disputes') }}
    {%- if is_incremental() %}
    where {{ stripe_rows_of_affected_days }}
    {%- endif %}
    group by {{ core_utc_date('created_at') }}
),

balance_days as (
    select
        {{ core_utc_date('created_at') }} as activity_date,
        cast(sum(fee_cents) as bigint) as fee_cents,
        cast(sum(net_cents) as bigint) as net_cents
    from {{ ref('stg_stripe__balance_transactions') }}
    where type in ('charge', 'refund', 'adjustment')
    {%- if is_incremental() %}
      and {{ stripe_rows_of_affected_days }}
    {%- endif %}
    group by {{ core_utc_date('created_at') }}
),

days as (
    select activity_date from order_days
    union
    select activity_date from charge_days
    union
    select activity_date from refund_days
    union
    select activity_date from dispute_days
    union
    select activity_date from balance_days
)

select
    days.activity_date,
    coalesce(order_days.orders, 0) as orders,
    cast(coalesce(order_days.order_total, 0) as decimal(18, 2)) as order_total,
    coalesce(charge_days.succeeded_charges, 0) as succeeded_charges,
    coalesce(charge_days.failed_charges, 0) as failed_charges,
    {{ biz_dollars('coalesce(charge_days.captured_cents, 0)') }} as captured_amount,
    {{ biz_dollars('coalesce(balance_days.fee_cents, 0)') }} as fees,
    coalesce(refund_days.refunds, 0) as refunds,
    {{ biz_dollars('coalesce(refund_days.refunded_cents, 0)') }} as refunded_amount,
    coalesce(dispute_days.disputes, 0) as disputes,
    {{ biz_dollars('coalesce(dispute_days.disputed_cents, 0)') }} as disputed_amount,
    {{ biz_dollars('coalesce(balance_days.net_cents, 0)') }} as stripe_net,
    coalesce(order_days.not_ok_rows, 0) as not_ok_rows,
    coalesce(order_days.missing_charge_orders, 0) as missing_charge_orders,
    coalesce(order_days.amount_mismatch_orders, 0) as amount_mismatch_orders,
    coalesce(order_days.charges_without_order, 0) as charges_without_order,
    current_timestamp as _refreshed_at
from days
left join order_days on order_days.activity_date = days.activity_date
left join charge_days on charge_days.activity_date = days.activity_date
left join refund_days on refund_days.activity_date = days.activity_date
left join dispute_days on dispute_days.activity_date = days.activity_date
left join balance_days on balance_days.activity_date = days.activity_date
