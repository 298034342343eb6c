{% snapshot people_ts %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}
select * from {{ ref('people') }}
{% endsnapshot %}

{% snapshot people_check %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['name']) }}
select * from {{ ref('people') }}
{% endsnapshot %}

{% snapshot people_check_all %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}
select * from {{ ref('people') }}
{% endsnapshot %}
