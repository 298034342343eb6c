{% snapshot people_invalidate %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at',
          hard_deletes='invalidate') }}
select * from {{ ref('people') }}
{% endsnapshot %}

{% snapshot people_new_record %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at',
          hard_deletes='new_record') }}
select * from {{ ref('people') }}
{% endsnapshot %}
