-- marketing_performance keeps every cent of spend, every impression and click, and
-- attributes exactly the non-cancelled orders whose utm_campaign names a known campaign
-- (by campaign_name or campaign_id). Returns the totals that differ. Checks the days the
-- last run of marketing_performance wrote (every day with test_rows: all).
with written as (
    select * from {{ written_by_the_last_run(ref('marketing_performance')) }} as written
),

days as (
    select distinct activity_date from written
),

mart as (
    select
        sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks,
        sum(attributed_orders) as attributed_orders
    from written
),

expected as (
    select
        (select sum(spend_cents) from {{ ref('stg_marketing__spend') }}
         where spend_date in (select activity_date from days)) as spend_cents,
        (select sum(impressions) from {{ ref('stg_marketing__performance') }}
         where performance_date in (select activity_date from days)) as impressions,
        (select sum(clicks) from {{ ref('stg_marketing__performance') }}
         where performance_date in (select activity_date from days)) as clicks,
        (
            select count(*)
            from {{ ref('stg_shop__orders') }} as orders
            where orders.status <> 'cancelled'
              and orders.order_date in (select activity_date from days)
              and (
                  orders.utm_campaign in (select campaign_name from {{ ref('stg_marketing__spend') }})
                  or orders.utm_campaign in (select campaign_id from {{ ref('stg_marketing__spend') }})
                  or orders.utm_campaign in (select campaign_name from {{ ref('stg_marketing__performance') }})
                  or orders.utm_campaign in (select campaign_id from {{ ref('stg_marketing__performance') }})
              )
        ) as attributed_orders
)

select mart.*, expected.*
from mart
cross join expected
where mart.spend * 100 <> expected.spend_cents
   or mart.impressions <> expected.impressions
   or mart.clicks <> expected.clicks
   or mart.attributed_orders <> expected.attributed_orders
