-- depends_on: {{ ref('view_builds') }}
-- A view over raw, which the loader keeps at one row per key: names and types. The
-- marts' incremental runs find what changed by _loaded_at; its tests check the rows
-- loaded since the view's previous build (macros/test_scope.sql).
-- A customer erased at the source is gone from raw, and so from here.
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
