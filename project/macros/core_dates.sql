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

{#- A TIMESTAMP WITH TIME ZONE moved by whole 24-hour days (the project cuts days in UTC,
    which has no daylight saving, so a day is 86,400 s). For a column over millions of
    rows: on DuckDB, adding an interval to a TIMESTAMPTZ goes through ICU's calendar
    (2.3 s for 12 M orders here), microsecond arithmetic takes 0.14 s. -#}
{% macro core_shift_days(ts, days) -%}
    {{ return(adapter.dispatch('core_shift_days')(ts, days)) }}
{%- endmacro %}

{% macro duckdb__core_shift_days(ts, days) -%}
    make_timestamptz(epoch_us({{ ts }}) + cast({{ days }} as bigint) * 86400000000)
{%- endmacro %}

{% macro default__core_shift_days(ts, days) -%}
    ({{ ts }} + cast({{ days }} as integer) * interval '1 day')
{%- endmacro %}

{#- The UTC calendar date of a TIMESTAMP WITH TIME ZONE. On DuckDB, cast(ts as date) reads
    the session's time zone through ICU (1.3 s for 12 M orders here); the UTC wall clock
    from the epoch is a plain TIMESTAMP, whose date costs 0.3 s. -#}
{% macro core_utc_date(ts) -%}
    {{ return(adapter.dispatch('core_utc_date')(ts)) }}
{%- endmacro %}

{% macro duckdb__core_utc_date(ts) -%}
    cast(make_timestamp(epoch_us({{ ts }})) as date)
{%- endmacro %}

{% macro default__core_utc_date(ts) -%}
    cast(({{ ts }}) at time zone 'UTC' as date)
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
