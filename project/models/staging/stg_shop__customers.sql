with source as (
    {{ latest_by_key(source('shop', 'customers'), 'customer_id', 'updated_at') }}
)

select
    customer_id,
    email,
    first_name,
    last_name,
    country,
    city,
    marketing_opt_in,
    acquisition_channel,
    created_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    _loaded_at
from source
