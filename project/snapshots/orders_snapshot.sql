{% snapshot orders_snapshot %}
{{ config(unique_key='order_id', strategy='check', check_cols=['status']) }}
-- The status history of every order (placed -> paid -> shipped -> delivered, or cancelled
-- and returned), one version per status seen by a run.
select order_id, customer_id, status, total_cents, updated_at
from {{ ref('stg_shop__orders') }}
{% endsnapshot %}
