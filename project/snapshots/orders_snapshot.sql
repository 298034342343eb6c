{% snapshot orders_snapshot %}
{{ config(unique_key='order_id', strategy='check',
          check_cols=['status', 'customer_id', 'total_cents', 'ordered_at']) }}
-- The status history of every order (placed -> paid -> shipped -> delivered, or cancelled
-- and returned): one version per status seen by a run, and per customer, total and order
-- time. The customer models compare each order's version at their last run with its
-- current one and rebuild only the customers whose spend changed, both of them when an
-- order moved to another customer (a guest order joining an account): see
-- customers_with_spend_changed_since in macros/latest.sql. Once the snapshot exists, only
-- the orders loaded since its newest row are compared (hard deletes are ignored, so the
-- rows left out change nothing).
{%- set existing = load_relation(this) %}
select order_id, customer_id, status, total_cents, ordered_at, updated_at, _loaded_at
from {{ ref('stg_shop__orders') }}
{%- if existing is not none %}
where {{ loaded_since_last_run('_loaded_at') }}
{%- endif %}
{% endsnapshot %}
