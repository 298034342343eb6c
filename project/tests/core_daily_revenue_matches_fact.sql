-- fct_daily_revenue adds up to the non-cancelled lines of fact_orders, and every day with
-- orders has an aov. Returns a row if the totals differ. Checks the days the last run of
-- fct_daily_revenue wrote (every day with test_rows: all).
{#- Filtered to the days its last run wrote only when that was some of them: after a full
    build the filter would only cost. #}
{%- set scoped = last_run_condition(ref('fct_daily_revenue')) | trim %}
with written as (
    select * from {{ rows_where(ref('fct_daily_revenue'), scoped) }} as written
),

daily as (
    select sum(orders) as orders, sum(lines) as lines, sum(gross) as gross,
        sum(discounts) as discounts, sum(net) as net, sum(refunds) as refunds,
        sum(case when orders > 0 and aov is null then 1 else 0 end) as missing_aov,
        sum(case when customers <> new_customers + returning_customers then 1 else 0 end) as bad_customer_split
    from written
),

fact as (
    select count(distinct order_id) as orders, count(*) as lines, sum(gross_revenue) as gross,
        sum(discount) as discounts, sum(net_revenue) as net, sum(refunded_amount) as refunds
    from {{ ref('fact_orders') }}
    where status <> 'cancelled'
    {%- if scoped %}
      and order_date in (select date_day from written)
    {%- endif %}
)

select daily.*, fact.*
from daily
cross join fact
where daily.orders <> fact.orders
   or daily.lines <> fact.lines
   or daily.gross <> fact.gross
   or daily.discounts <> fact.discounts
   or daily.net <> fact.net
   or daily.refunds <> fact.refunds
   or daily.missing_aov <> 0
   or daily.bad_customer_split <> 0
