{#- Dialect macros of the core marts. DuckDB and PostgreSQL differ in date arithmetic and
    in how a series of dates is generated; everything else in marts/core is plain SQL. -#}

{#- expression + n days, as a timestamp (or date) expression. -#}
{% macro core_add_days(expression, days) -%}
    {{ return(adapter.dispatch('core_add_days')(expression, days)) }}
{%- endmacro %}

{% macro duckdb__core_add_days(expression, days) -%}
    ({{ expression }} + to_days(cast({{ days }} as integer)))
{%- endmacro %}

{% macro default__core_add_days(expression, days) -%}
    ({{ expression }} + cast({{ days }} as integer) * interval '1 day')
{%- endmacro %}

{#- One row per day, column date_day, from start_date to end_date inclusive. Both bounds
    are columns (or expressions) of the relation `from_relation` (a CTE with one row). -#}
{% macro core_date_spine(start_date, end_date, from_relation) -%}
    {{ return(adapter.dispatch('core_date_spine')(start_date, end_date, from_relation)) }}
{%- endmacro %}

{% macro duckdb__core_date_spine(start_date, end_date, from_relation) -%}
    select cast(unnest(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day)) as date) as date_day
    from {{ from_relation }}
{%- endmacro %}

{% macro default__core_date_spine(start_date, end_date, from_relation) -%}
    select cast(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 day') as date) as date_day
    from {{ from_relation }}
{%- endmacro %}

{#- The end of a version, with the current version's open end (NULL) as a far-future
    instant. `x < core_open_end(valid_to)` says "before the end" without an OR, so a join on
    it stays a hash join with a range filter instead of a nested loop. -#}
{% macro core_open_end(column) -%}
    coalesce({{ column }}, cast('9999-12-31 00:00:00+00' as timestamp with time zone))
{%- endmacro %}

{#- An instant before any data: the lower bound of "since the last run" on an empty table. -#}
{% macro core_timestamp_min() -%}
    cast('1900-01-01 00:00:00+00' as timestamp with time zone)
{%- endmacro %}
