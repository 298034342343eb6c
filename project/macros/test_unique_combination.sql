{#- A generic test: no two rows share the values of `combination_of_columns`, as
    dbt_utils' unique_combination_of_columns, without needing the package. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
