{#- Dialect helpers for the business marts. Each dispatches to duckdb__* on DuckDB and
    default__* elsewhere (written for PostgreSQL). -#}

{#- Elapsed days (fractional) from start_ts to end_ts. -#}
{% macro biz_days_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('biz_days_between')(start_ts, end_ts)) }}
{%- endmacro %}

{#- From the epoch's microseconds: DuckDB's date_diff on TIMESTAMPTZ goes through ICU's
    calendar (20 times slower). -#}
{% macro duckdb__biz_days_between(start_ts, end_ts) -%}
    (cast(epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}) as double) / 86400000000.0)
{%- endmacro %}

{% macro default__biz_days_between(start_ts, end_ts) -%}
    (cast(extract(epoch from ({{ end_ts }} - {{ start_ts }})) as double precision) / 86400.0)
{%- endmacro %}

{#- Hour of day (0-23) of a timestamp with time zone, read in UTC. -#}
{% macro biz_hour_utc(ts) -%}
    {{ return(adapter.dispatch('biz_hour_utc')(ts)) }}
{%- endmacro %}

{#- The UTC wall clock from the epoch, a plain TIMESTAMP: timezone('UTC', ts) goes through
    ICU's calendar (7 times slower). -#}
{% macro duckdb__biz_hour_utc(ts) -%}
    cast(extract(hour from make_timestamp(epoch_us({{ ts }}))) as integer)
{%- endmacro %}

{% macro default__biz_hour_utc(ts) -%}
    cast(extract(hour from ({{ ts }} at time zone 'UTC')) as integer)
{%- endmacro %}

{#- A date shifted by a whole number of days (n may be negative), as a DATE. date + integer
    is a DATE on both DuckDB and PostgreSQL, so this needs no dispatch. -#}
{% macro biz_add_days(date_expr, n) -%}
    cast(cast({{ date_expr }} as date) + cast({{ n }} as integer) as date)
{%- endmacro %}

{#- Whole calendar months from the month of start_date to the month of end_date. -#}
{% macro biz_months_between(start_date, end_date) -%}
    ((cast(extract(year from {{ end_date }}) as integer) - cast(extract(year from {{ start_date }}) as integer)) * 12
     + cast(extract(month from {{ end_date }}) as integer) - cast(extract(month from {{ start_date }}) as integer))
{%- endmacro %}

{#- First day of the month of a date, as a DATE (date_trunc returns a timestamp on PostgreSQL). -#}
{% macro biz_month_start(date_expr) -%}
    cast(date_trunc('month', cast({{ date_expr }} as date)) as date)
{%- endmacro %}

{#- a / b, NULL when b is 0 or NULL. -#}
{% macro biz_safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- Integer cents as DECIMAL(18,2) dollars: the business marts' name for cents_to_dollars. -#}
{% macro biz_dollars(cents_expr) -%}
    {{ cents_to_dollars('(' ~ cents_expr ~ ')') }}
{%- endmacro %}

{#- The number of distinct non-null values of an integer `column` among the rows of the
    query `rows_sql`, as a scalar subquery. -#}
{% macro biz_count_distinct_integers(column, rows_sql) -%}
    {{ return(adapter.dispatch('biz_count_distinct_integers')(column, rows_sql)) }}
{%- endmacro %}

{#- A bitmap over the values' range (bitstring_agg, its bounds read first as literals) when
    that is at most 2^28 wide: one pass that sets bits, where count(distinct) builds a hash
    table of every value (the 2.9 M buyers among 12 M orders at full scale: 0.14 s against
    1.1 s). Wider ranges, and the parse, count as usual. -#}
{% macro duckdb__biz_count_distinct_integers(column, rows_sql) -%}
    {%- set bounds = run_query("select min(" ~ column ~ "), max(" ~ column ~ ") from (" ~ rows_sql
                               ~ ") as bounded_rows") if execute else none -%}
    {%- set low = bounds.rows[0][0] if bounds is not none else none -%}
    {%- set high = bounds.rows[0][1] if bounds is not none else none -%}
    {%- if bounds is not none and low is none -%}
    (select cast(0 as bigint))
    {%- elif low is not none and high - low < 268435456 -%}
    (select cast(bit_count(bitstring_agg({{ column }}, {{ low }}, {{ high }})) as bigint)
     from ({{ rows_sql }}) as counted_rows where {{ column }} is not null)
    {%- else -%}
    {{ default__biz_count_distinct_integers(column, rows_sql) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__biz_count_distinct_integers(column, rows_sql) -%}
    (select count(distinct {{ column }}) from ({{ rows_sql }}) as counted_rows)
{%- endmacro %}
