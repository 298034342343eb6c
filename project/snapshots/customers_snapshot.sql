{% snapshot customers_snapshot %}
{{ config(unique_key='customer_id', strategy='timestamp', updated_at='updated_at',
          meta={'column_compression': {'email': 'zstd'}}) }}
-- Every version of every customer: email, country and city changes, opt-ins, deletion.
-- Once the snapshot exists, only the customers loaded since its newest row are compared
-- (hard deletes are ignored, so the rows left out change nothing).
{%- set existing = load_relation(this) %}
select
    customer_id, email, first_name, last_name, country, city, marketing_opt_in,
    acquisition_channel, created_at, updated_at, deleted_at, is_deleted, _loaded_at
from {{ ref('stg_shop__customers') }}
{%- if existing is not none %}
where {{ loaded_since_last_run('_loaded_at') }}
{%- endif %}
{% endsnapshot %}
