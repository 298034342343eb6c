{#- Monthly cohorts (the calendar month, UTC, of a customer's first non-cancelled order) x
    months since that month (0 = the cohort month itself). One row for every month from the
    cohort month to the last month with orders, so months with no active customer show 0.
    active_customers: cohort members with at least one non-cancelled order in that month.
    revenue: those orders' totals (total_cents, before refunds), in dollars.
    Built from int_customer_monthly_orders (one row per customer and month with the
    customer's cohort_month, kept incrementally): one pass over it. -#}
with activity as (
    select
        cohort_month,
        order_month as activity_month,
        count(*) as active_customers,
        cast(sum(order_count) as bigint) as order_count,
        cast(sum(revenue_cents) as bigint) as revenue_cents
    from {{ ref('int_customer_monthly_orders') }}
    where order_count > 0
    group by cohort_month, order_month
),

-- every member is active in the cohort month itself
cohorts as (
    select cohort_month, active_customers as cohort_size
    from activity
    where activity_month = cohort_month
),

months as (
    select distinct activity_month from activity
),

grid as (
    select cohorts.cohort_month, cohorts.cohort_size, months.activity_month
    from cohorts
    inner join months on months.activity_month >= cohorts.cohort_month
)

select
    grid.cohort_month,
    grid.activity_month,
    {{ biz_months_between('grid.cohort_month', 'grid.activity_month') }} as months_since_first_order,
    grid.cohort_size,
    coalesce(activity.active_customers, 0) as active_customers,
    cast(coalesce(activity.active_customers, 0) as double precision) / grid.cohort_size as retention_rate,
    coalesce(activity.order_count, 0) as order_count,
    {{ biz_dollars('coalesce(activity.revenue_cents, 0)') }} as revenue
from grid
left join activity
    on activity.cohort_month = grid.cohort_month
    and activity.activity_month = grid.activity_month
