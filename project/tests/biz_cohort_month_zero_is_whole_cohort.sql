-- In its own month every cohort member is active (the cohort is defined by that month's
-- first order), and the cohort sizes add up to the customers with a non-cancelled order.
select cohort_month, 'month 0 not fully active' as problem
from {{ ref('cohort_retention') }}
where months_since_first_order = 0
  and (active_customers <> cohort_size or retention_rate <> 1)

union all

select null, 'cohort sizes do not sum to buyers'
from (
    select sum(cohort_size) as customers
    from {{ ref('cohort_retention') }}
    where months_since_first_order = 0
) as cohorts
where cohorts.customers <> {{ biz_count_distinct_integers('customer_id',
    "select customer_id from " ~ ref('stg_shop__orders') ~ " where status <> 'cancelled'") }}
