-- product_performance's units and revenue add up to the order lines of non-cancelled
-- orders, and no product sells more in the last 90 days than in total.
select 'totals differ' as problem, cast(null as bigint) as product_id
from (
    select sum(units_sold) as units, sum(revenue) as revenue from {{ ref('product_performance') }}
) as mart
cross join (
    select sum(items.quantity) as units, sum(items.net_cents) as revenue_cents
    from {{ ref('stg_shop__order_items') }} as items
    inner join {{ ref('stg_shop__orders') }} as orders on orders.order_id = items.order_id
    where orders.status <> 'cancelled'
) as lines
where mart.units <> lines.units or mart.revenue * 100 <> lines.revenue_cents

union all

select 'window units above total units', product_id
from {{ ref('product_performance') }}
where units_last_90d > units_sold or units_returned > units_sold
