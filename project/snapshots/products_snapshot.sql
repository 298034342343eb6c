{% snapshot products_snapshot %}
{{ config(unique_key='product_id', strategy='check', check_cols=['price_cents', 'cost_cents', 'category', 'product_name', 'is_active']) }}
-- Price, cost, category and availability history of the catalog.
select * from {{ ref('stg_shop__products') }}
{% endsnapshot %}
