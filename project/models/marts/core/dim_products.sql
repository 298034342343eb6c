{{ config(materialized='table') }}
-- Products as an SCD Type 2 dimension over price, cost and category (history from
-- products_snapshot). Cost is tracked with price and category because fact_orders takes
-- the cost of a line from the version valid at order time. Changes of other snapshot
-- columns (name, active flag) do not start a version; product_name, sku, brand,
-- is_active and the catalog's ratings (stg_catalog__products) are current values (type 1).
--
-- Version start: the first version starts at the product's created_at (so every order
-- finds a version); a later version starts at the row's updated_at (when the shop changed
-- it), never before the previous snapshot nor after its own snapshot time (the check
-- strategy records a change at snapshot run time, which can be later than the change).
-- valid_to is the next version's valid_from, NULL for the current version.

with snapshot_rows as (
    select
        product_id,
        category,
        price_cents,
        cost_cents,
        created_at,
        updated_at,
        cast(dbt_valid_from as timestamp with time zone) as snapshot_from,
        lag(cast(dbt_valid_from as timestamp with time zone)) over (
            partition by product_id order by dbt_valid_from
        ) as previous_snapshot_from
    from {{ ref('products_snapshot') }}
),

effective as (
    select
        product_id,
        category,
        price_cents,
        cost_cents,
        case
            when previous_snapshot_from is null then
                case when created_at is not null and created_at < snapshot_from
                     then created_at else snapshot_from end
            when updated_at is null or updated_at > snapshot_from then snapshot_from
            when updated_at < previous_snapshot_from then previous_snapshot_from
            else updated_at
        end as effective_from
    from snapshot_rows
),

distinct_instants as (
    -- a row superseded at the same instant is no version of its own
    select product_id, category, price_cents, cost_cents, effective_from
    from (
        select
            effective.*,
            lead(effective_from) over (partition by product_id order by effective_from) as next_effective_from
        from effective
    ) as with_next
    where next_effective_from is null or next_effective_from > effective_from
),

flagged as (
    select
        distinct_instants.*,
        case
            when lag(effective_from) over w is null then 1
            when lag(category) over w is distinct from category
              or lag(price_cents) over w is distinct from price_cents
              or lag(cost_cents) over w is distinct from cost_cents
            then 1 else 0
        end as starts_version
    from distinct_instants
    window w as (partition by product_id order by effective_from)
),

versions as (
    select
        product_id,
        category,
        price_cents,
        cost_cents,
        effective_from as valid_from,
        lead(effective_from) over (partition by product_id order by effective_from) as valid_to
    from flagged
    where starts_version = 1
),

products as (
    select product_id, sku, product_name, brand, is_active, created_at
    from {{ ref('stg_shop__products') }}
),

catalog as (
    select product_id, title, rating_rate, rating_count
    from {{ ref('stg_catalog__products') }}
)

select
    {{ core_surrogate_key('versions.product_id', 'versions.valid_from') }} as product_sk,
    versions.product_id,
    products.sku,
    products.product_name,
    products.brand,
    versions.category,
    {{ core_cents_to_dollars('versions.price_cents') }} as price,
    {{ core_cents_to_dollars('versions.cost_cents') }} as cost,
    products.is_active,
    products.created_at as product_created_at,
    catalog.title as catalog_title,
    catalog.rating_rate,
    catalog.rating_count,
    versions.valid_from,
    versions.valid_to,
    versions.valid_to is null as is_current
from versions
left join products
    on products.product_id = versions.product_id
left join catalog
    on catalog.product_id = versions.product_id
