{#- Per day x channel x campaign: spend (stg_marketing__spend), impressions and clicks
    (stg_marketing__performance, joined on date + campaign_id) and the shop orders attributed
    to the campaign.
    Attribution join: orders.utm_campaign = the campaign's campaign_name (e.g.
    'google_search_brand'), on the order's order_date. In the data utm_campaign carries the
    campaign NAME, never the campaign_id ('cmp_1001'), so an order matches a campaign when
    its utm_campaign equals either the name or the id; name and id are each unique to one
    campaign. Cancelled orders are not attributed. Orders without utm_campaign (direct,
    organic) are not in this mart.
    Rows: every (date, campaign) with spend, performance or an attributed order.
    new_customers: customers whose first non-cancelled order is attributed to the campaign
    and falls on that day. CAC = spend / new_customers; ROAS = attributed revenue / spend
    (attributed revenue = the orders' total_cents before refunds). Both NULL when the
    denominator is 0.
    A customer's first order comes from int_customer_first_orders.
    Incremental (delete+insert by activity_date): a run recomputes the days of the orders
    loaded since its last run (_refreshed_at), the days whose spend or performance differs
    from the stored row, and the days whose count of first orders per campaign no longer
    matches their new_customers (a customer's first order moved in or out). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date'
) }}
{%- set last_run = last_run_at() if is_incremental() else none %}
with
all_spend as (
    select spend_date as activity_date, campaign_id, campaign_name, channel, spend_cents
    from {{ ref('stg_marketing__spend') }}
),

all_performance as (
    select
        performance_date as activity_date, campaign_id, campaign_name, channel,
        impressions, clicks, conversions, conversion_value_cents
    from {{ ref('stg_marketing__performance') }}
),

campaigns as (
    select campaign_id, min(campaign_name) as campaign_name, min(channel) as channel
    from (
        select campaign_id, campaign_name, channel from all_spend
        union all
        select campaign_id, campaign_name, channel from all_performance
    ) as all_campaigns
    group by campaign_id
),

{%- if is_incremental() %}
-- Days whose count of first orders per campaign (int_customer_first_orders) differs from
-- the stored new_customers: a customer's first order moved in or out of them.
first_order_keys as (
    select
        first_orders.first_order_date as activity_date,
        campaigns.campaign_id,
        count(*) as new_customers
    from {{ ref('int_customer_first_orders') }} as first_orders
    inner join campaigns
        on first_orders.first_utm_campaign = campaigns.campaign_name
        or first_orders.first_utm_campaign = campaigns.campaign_id
    group by first_orders.first_order_date, campaigns.campaign_id
),

moved_days as (
    select coalesce(first_order_keys.activity_date, stored.activity_date) as activity_date
    from first_order_keys
    full outer join (select activity_date, campaign_id, new_customers from {{ this }}) as stored
        on stored.activity_date = first_order_keys.activity_date
       and stored.campaign_id = first_order_keys.campaign_id
    where coalesce(first_order_keys.new_customers, 0) <> coalesce(stored.new_customers, 0)
),

-- Days whose spend or performance (or a campaign's name or channel) differs from what is
-- stored. Compared by value, not by load time: a marketing export is a file loaded again
-- whole when a day is added, so every row of it is new by _loaded_at (the tables are
-- small; the orders of all their days are not).
incoming as (
    select
        coalesce(spend.activity_date, performance.activity_date) as activity_date,
        coalesce(spend.campaign_id, performance.campaign_id) as campaign_id,
        coalesce(spend.spend_cents, 0) as spend_cents,
        coalesce(performance.impressions, 0) as impressions,
        coalesce(performance.clicks, 0) as clicks,
        coalesce(performance.conversions, 0) as conversions,
        coalesce(performance.conversion_value_cents, 0) as conversion_value_cents
    from all_spend as spend
    full outer join all_performance as performance
        on performance.activity_date = spend.activity_date
       and performance.campaign_id = spend.campaign_id
),

changed_input_days as (
    select coalesce(incoming.activity_date, stored.activity_date) as activity_date
    from incoming
    full outer join (
        select activity_date, campaign_id, channel, campaign_name, spend, impressions, clicks,
               platform_conversions, platform_conversion_value
        from {{ this }}
    ) as stored
        on stored.activity_date = incoming.activity_date
       and stored.campaign_id = incoming.campaign_id
    left join campaigns
        on campaigns.campaign_id = coalesce(incoming.campaign_id, stored.campaign_id)
    where stored.activity_date is null
       or {{ biz_dollars('coalesce(incoming.spend_cents, 0)') }} <> stored.spend
       or coalesce(incoming.impressions, 0) <> stored.impressions
       or coalesce(incoming.clicks, 0) <> stored.clicks
       or coalesce(incoming.conversions, 0) <> stored.platform_conversions
       or {{ biz_dollars('coalesce(incoming.conversion_value_cents, 0)') }} <> stored.platform_conversion_value
       or campaigns.channel is distinct from stored.channel
       or campaigns.campaign_name is distinct from stored.campaign_name
),

affected_days as (
    select order_date as activity_date from {{ ref('stg_shop__orders') }}
    where _loaded_at > {{ last_run }}
    union
    select activity_date from moved_days
    union
    select activity_date from changed_input_days
),
{%- endif %}

spend as (
    select * from all_spend
    {%- if is_incremental() %}
    where activity_date in (select activity_date from affected_days)
    {%- endif %}
),

performance as (
    select * from all_performance
    {%- if is_incremental() %}
    where activity_date in (select activity_date from affected_days)
    {%- endif %}
),

orders as (
    select order_id, customer_id, ordered_at, order_date, total_cents, utm_campaign
    from {{ ref('stg_shop__orders') }}
    where status <> 'cancelled'
    {%- if is_incremental() %}
      and order_date in (select activity_date from affected_days)
    {%- endif %}
),

first_orders as (
    select first_order_id as order_id
    from {{ ref('int_customer_first_orders') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from orders)
    {%- endif %}
),

attributed as (
    select
        orders.order_date as activity_date,
        campaigns.campaign_id,
        count(*) as attributed_orders,
        sum(orders.total_cents) as attributed_revenue_cents,
        count(first_orders.order_id) as new_customers
    from orders
    inner join campaigns
        on orders.utm_campaign = campaigns.campaign_name
        or orders.utm_campaign = campaigns.campaign_id
    left join first_orders on first_orders.order_id = orders.order_id
    group by orders.order_date, campaigns.campaign_id
),

keys as (
    select activity_date, campaign_id from spend
    union
    select activity_date, campaign_id from performance
    union
    select activity_date, campaign_id from attributed
),

joined as (
    select
        keys.activity_date,
        campaigns.channel,
        keys.campaign_id,
        campaigns.campaign_name,
        coalesce(spend.spend_cents, 0) as spend_cents,
        coalesce(performance.impressions, 0) as impressions,
        coalesce(performance.clicks, 0) as clicks,
        coalesce(performance.conversions, 0) as platform_conversions,
        coalesce(performance.conversion_value_cents, 0) as platform_conversion_value_cents,
        coalesce(attributed.attributed_orders, 0) as attributed_orders,
        coalesce(attributed.attributed_revenue_cents, 0) as attributed_revenue_cents,
        coalesce(attributed.new_customers, 0) as new_customers
    from keys
    inner join campaigns on campaigns.campaign_id = keys.campaign_id
    left join spend
        on spend.activity_date = keys.activity_date and spend.campaign_id = keys.campaign_id
    left join performance
        on performance.activity_date = keys.activity_date and performance.campaign_id = keys.campaign_id
    left join attributed
        on attributed.activity_date = keys.activity_date and attributed.campaign_id = keys.campaign_id
)

select
    activity_date,
    channel,
    campaign_id,
    campaign_name,
    {{ biz_dollars('spend_cents') }} as spend,
    impressions,
    clicks,
    {{ biz_safe_divide('clicks', 'impressions') }} as ctr,
    platform_conversions,
    {{ biz_dollars('platform_conversion_value_cents') }} as platform_conversion_value,
    attributed_orders,
    {{ biz_dollars('attributed_revenue_cents') }} as attributed_revenue,
    new_customers,
    {{ biz_safe_divide('attributed_revenue_cents', 'spend_cents') }} as roas,
    case when new_customers > 0 then {{ biz_dollars('spend_cents * 1.0 / new_customers') }} end as cac,
    current_timestamp as _refreshed_at
from joined
