{{ config(materialized='table') }}
select o.order_id, c.name from {{ ref('stg_orders') }} o join {{ ref('stg_customers') }} c on c.id = o.customer_id
