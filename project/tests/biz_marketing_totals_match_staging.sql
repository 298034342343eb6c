-- marketing_performance keeps every cent of spend, every impression and click, and
-- attributes exactly the non-cancelled orders whose utm_campaign names a known campaign
-- (by campaign_name or campaign_id). Returns the totals that differ.
with mart as (
    select
        sum(spend) as spend, sum(impressions) as impressions, sum(clicks) as clicks,
        sum(attributed_orders) as attributed_orders
    from {{ ref('marketing_performance') }}
),

expected as (
    select
        (select sum(spend_cents) from {{ ref('stg_marketing__spend') }}) as spend_cents,
        (select sum(impressions) from {{ ref('stg_marketing__performance') }}) as impressions,
        (select sum(clicks) from {{ ref('stg_marketing__performance') }}) as clicks,
        (
            select count(*)
            from {{ ref('stg_shop__orders') }} as orders
            where orders.status <> 'cancelled'
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
