-- Every customer of staging has exactly one current version in dim_customers, and the
-- current version is the open one (valid_to NULL). Returns customers where that fails.
with versions as (
    select
        customer_id,
        sum(case when is_current then 1 else 0 end) as current_versions,
        sum(case when valid_to is null then 1 else 0 end) as open_versions,
        sum(case when is_current <> (valid_to is null) then 1 else 0 end) as inconsistent_flags
    from {{ ref('dim_customers') }}
    group by customer_id
)

select customers.customer_id, versions.current_versions, versions.open_versions, versions.inconsistent_flags
from {{ ref('stg_shop__customers') }} as customers
left join versions
    on versions.customer_id = customers.customer_id
where versions.customer_id is null
   or versions.current_versions <> 1
   or versions.open_versions <> 1
   or versions.inconsistent_flags <> 0
