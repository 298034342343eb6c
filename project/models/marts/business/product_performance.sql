{#- One row per product (stg_shop__products), sales from order lines of non-cancelled orders.
    revenue = the lines' net (quantity x unit price - line discount); cost = quantity x the
    product's current cost_cents; margin = revenue - cost. Lines of returned orders stay in
    revenue, units and margin (they were sold) and are counted again as returned:
    return_rate = units on returned orders / units sold (order-level returns: the shop
    records returns per order, not per line).
    The 90-day window is the 90 days ending on the last order date in the data (not today),
    so the mart is reproducible: order_date between last_order_date - 89 and last_order_date.
    days_of_inventory = stock on hand (all warehouses) / (units sold in the window / 90);
    NULL when nothing sold in the window. slow_mover: units in the window below
    var('slow_mover_units_90d').
    Sales come from int_product_daily_sales (per product and day, kept incrementally), so a
    rebuild adds up days, not order lines. -#}
with products as (
    select * from {{ ref('stg_shop__products') }}
),

catalog as (
    select product_id, rating_rate, rating_count
    from {{ ref('stg_catalog__products') }}
),

stock as (
    select product_id, cast(sum(quantity_on_hand) as bigint) as stock_on_hand
    from {{ ref('stg_shop__inventory') }}
    group by product_id
),

window_end as (
    select max(order_date) as last_order_date from {{ ref('stg_shop__orders') }}
),

sales as (
    select
        daily.product_id,
        cast(sum(daily.order_count) as bigint) as order_count,
        cast(sum(daily.units_sold) as bigint) as units_sold,
        cast(sum(daily.revenue_cents) as bigint) as revenue_cents,
        cast(sum(daily.units_returned) as bigint) as units_returned,
        cast(sum(daily.orders_returned) as bigint) as orders_returned,
        cast(sum(case when daily.order_date > {{ biz_add_days('window_end.last_order_date', -90) }}
                 then daily.units_sold else 0 end) as bigint) as units_last_90d
    from {{ ref('int_product_daily_sales') }} as daily
    cross join window_end
    group by daily.product_id
)

select
    products.product_id,
    products.sku,
    products.product_name,
    products.category,
    products.brand,
    products.is_active,
    {{ biz_dollars('products.price_cents') }} as list_price,
    {{ biz_dollars('products.cost_cents') }} as unit_cost,
    coalesce(sales.order_count, 0) as order_count,
    coalesce(sales.units_sold, 0) as units_sold,
    {{ biz_dollars('coalesce(sales.revenue_cents, 0)') }} as revenue,
    {{ biz_dollars('coalesce(sales.units_sold, 0) * products.cost_cents') }} as cost,
    {{ biz_dollars('coalesce(sales.revenue_cents, 0) - coalesce(sales.units_sold, 0) * products.cost_cents') }} as margin,
    {{ biz_safe_divide('coalesce(sales.revenue_cents, 0) - coalesce(sales.units_sold, 0) * products.cost_cents', 'sales.revenue_cents') }} as margin_rate,
    coalesce(sales.units_returned, 0) as units_returned,
    coalesce(sales.orders_returned, 0) as orders_returned,
    {{ biz_safe_divide('sales.units_returned', 'sales.units_sold') }} as return_rate,
    catalog.rating_rate as rating,
    catalog.rating_count,
    coalesce(stock.stock_on_hand, 0) as stock_on_hand,
    window_end.last_order_date as window_end_date,
    coalesce(sales.units_last_90d, 0) as units_last_90d,
    cast(coalesce(sales.units_last_90d, 0) as double precision) / 90 as avg_daily_units_90d,
    case
        when coalesce(sales.units_last_90d, 0) > 0
            then coalesce(stock.stock_on_hand, 0) / (cast(sales.units_last_90d as double precision) / 90)
    end as days_of_inventory,
    coalesce(sales.units_last_90d, 0) < {{ var('slow_mover_units_90d') }} as is_slow_mover
from products
cross join window_end
left join sales on sales.product_id = products.product_id
left join catalog on catalog.product_id = products.product_id
left join stock on stock.product_id = products.product_id
