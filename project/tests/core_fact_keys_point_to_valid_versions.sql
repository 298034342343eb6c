-- Each fact line's customer_sk and product_sk is the version of its own customer/product
-- that was valid when the order was placed (valid_from <= ordered_at < valid_to). Checks the
-- lines the last run of fact_orders wrote; test_rows: all checks every line.
select facts.order_item_id
from {{ written_by_the_last_run(ref('fact_orders')) }} as facts
left join {{ ref('dim_customers') }} as customers
    on customers.customer_sk = facts.customer_sk
left join {{ ref('dim_products') }} as products
    on products.product_sk = facts.product_sk
where customers.customer_id is null
   or customers.customer_id <> facts.customer_id
   or facts.ordered_at < customers.valid_from
   or (customers.valid_to is not null and facts.ordered_at >= customers.valid_to)
   or products.product_id is null
   or products.product_id <> facts.product_id
   or facts.ordered_at < products.valid_from
   or (products.valid_to is not null and facts.ordered_at >= products.valid_to)
