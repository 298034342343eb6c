-- depends_on: {{ ref('view_builds') }}
with source as (
    {{ latest_by_key(source('marketing', 'spend'), 'date, campaign_id', '_loaded_at') }}
)

select
    date as spend_date,
    channel,
    campaign_id,
    campaign_name,
    {{ dollars_to_cents('spend') }} as spend_cents,
    upper(currency) as currency,
    _loaded_at
from source
