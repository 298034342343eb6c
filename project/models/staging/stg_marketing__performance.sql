-- depends_on: {{ ref('view_builds') }}
with source as (
    {{ latest_by_key(source('marketing', 'performance'), 'date, campaign_id', '_loaded_at') }}
)

select
    date as performance_date,
    channel,
    campaign_id,
    campaign_name,
    impressions,
    clicks,
    conversions,
    {{ dollars_to_cents('conversion_value') }} as conversion_value_cents,
    _loaded_at
from source
