{% snapshot customers_snapshot %}
{{ config(unique_key='customer_id', strategy='timestamp', updated_at='updated_at') }}
-- Every version of every customer: email, country and city changes, opt-ins, deletion.
select * from {{ ref('stg_shop__customers') }}
{% endsnapshot %}
