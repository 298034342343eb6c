{{ config(materialized='table') }}
-- One row per calendar day from the first order date to one year after the last order
-- date (bounds derived from stg_shop__orders). Calendar attributes are ISO-style where a
-- convention is needed (week_of_year is the ISO week; day_of_week 1 = Monday .. 7 = Sunday).
-- Fiscal year starts in month var('fiscal_year_start_month') and is named by the calendar
-- year in which it ends (start month 2: Feb 2026 - Jan 2027 is fiscal 2027); with start
-- month 1 the fiscal year equals the calendar year.

with bounds as (
    select
        min(order_date) as start_date,
        {{ core_add_days('max(order_date)', 365) }} as end_date
    from {{ ref('stg_shop__orders') }}
),

spine as (
    {{ core_date_spine('start_date', 'end_date', 'bounds') }}
),

holidays as (
    select holiday_date, holiday_name from {{ ref('holidays') }}
),

calendar as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(week from date_day) as integer) as week_of_year,
        cast(extract(isodow from date_day) as integer) as day_of_week
    from spine
),

fiscal as (
    select
        calendar.*,
        ((calendar_month - {{ var('fiscal_year_start_month') }} + 12) % 12) + 1 as fiscal_month,
        case
            when {{ var('fiscal_year_start_month') }} = 1 then calendar_year
            when calendar_month >= {{ var('fiscal_year_start_month') }} then calendar_year + 1
            else calendar_year
        end as fiscal_year
    from calendar
)

select
    fiscal.date_day,
    fiscal.calendar_year as year,
    fiscal.calendar_quarter as quarter,
    fiscal.calendar_month as month,
    case fiscal.calendar_month
        when 1 then 'January' when 2 then 'February' when 3 then 'March'
        when 4 then 'April' when 5 then 'May' when 6 then 'June'
        when 7 then 'July' when 8 then 'August' when 9 then 'September'
        when 10 then 'October' when 11 then 'November' else 'December'
    end as month_name,
    fiscal.day_of_month,
    fiscal.week_of_year,
    fiscal.day_of_week,
    case fiscal.day_of_week
        when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
        when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday'
        else 'Sunday'
    end as day_name,
    fiscal.day_of_week in (6, 7) as is_weekend,
    fiscal.fiscal_year,
    case
        when fiscal.fiscal_month <= 3 then 1
        when fiscal.fiscal_month <= 6 then 2
        when fiscal.fiscal_month <= 9 then 3
        else 4
    end as fiscal_quarter,
    fiscal.fiscal_month,
    holidays.holiday_date is not null as is_holiday,
    holidays.holiday_name
from fiscal
left join holidays
    on holidays.holiday_date = fiscal.date_day
