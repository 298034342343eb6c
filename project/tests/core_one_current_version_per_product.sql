-- Every product of staging has exactly one current version in dim_products, and the
-- current version is the open one (valid_to NULL). Returns products where that fails.
with versions as (
    select
        product_id,
        sum(case when is_current then 1 else 0 end) as current_versions,
        sum(case when valid_to is null then 1 else 0 end) as open_versions,
        sum(case when is_current <> (valid_to is null) then 1 else 0 end) as inconsistent_flags
    from {{ ref('dim_products') }}
    group by product_id
)

select products.product_id, versions.current_versions, versions.open_versions, versions.inconsistent_flags
from {{ ref('stg_shop__products') }} as products
left join versions
    on versions.product_id = products.product_id
where versions.product_id is null
   or versions.current_versions <> 1
   or versions.open_versions <> 1
   or versions.inconsistent_flags <> 0
