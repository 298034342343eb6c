-- product_performance's units and revenue add up to the order lines of non-cancelled
-- orders (through int_product_daily_sales: the mart against its days, and the days the
-- last run wrote, every day with test_rows: all, against the lines), and no product sells
-- more in the last 90 days than in total.
{#- Filtered to the days its last run wrote only when that was some of them: after a full
    build the filter would only cost. #}
{%- set scoped = last_run_condition(ref('int_product_daily_sales')) | trim %}
with written_days as (
    select order_date, sum(units_sold) as units, sum(revenue_cents) as revenue_cents
    from {{ rows_where(ref('int_product_daily_sales'), scoped) }} as written
    group by order_date
),

line_days as (
    select orders.order_date, sum(items.quantity) as units, sum(items.net_cents) as revenue_cents
    from {{ ref('stg_shop__order_items') }} as items
    inner join {{ ref('stg_shop__orders') }} as orders on orders.order_id = items.order_id
    where orders.status <> 'cancelled'
    {%- if scoped %}
      and orders.order_date in (select order_date from written_days)
    {%- endif %}
    group by orders.order_date
)

select 'mart totals differ from its days' as problem, cast(null as bigint) as product_id,
    cast(null as date) as order_date
from (
    select sum(units_sold) as units, sum(revenue) as revenue from {{ ref('product_performance') }}
) as mart
cross join (
    select sum(units_sold) as units, sum(revenue_cents) as revenue_cents
    from {{ ref('int_product_daily_sales') }}
) as days
where mart.units <> days.units or mart.revenue * 100 <> days.revenue_cents

union all

select 'day differs from its order lines', cast(null as bigint),
    coalesce(written_days.order_date, line_days.order_date)
from written_days
full outer join line_days on line_days.order_date = written_days.order_date
where coalesce(written_days.units, 0) <> coalesce(line_days.units, 0)
   or coalesce(written_days.revenue_cents, 0) <> coalesce(line_days.revenue_cents, 0)

union all

select 'window units above total units', product_id, cast(null as date)
from {{ ref('product_performance') }}
where units_last_90d > units_sold or units_returned > units_sold
