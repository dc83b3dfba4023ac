{#- One row per calendar month from the earliest event month in the data to
    the later of the last event month and the month governance is judged on
    (as_of_date), with the labels dashboards group by. -#}

{%- set as_of = "date '" ~ as_of_date() ~ "'" %}

with

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

bounds as (
    select
        min(event_month) as first_month,
        cast(date_trunc('month', greatest(max(event_month), {{ as_of }})) as date) as last_month
    from person_records
),

month_series as (
    select unnest(generate_series(first_month, last_month, interval 1 month)) as month_start
    from bounds
),

months as (
    select cast(month_start as date) as month_start_date
    from month_series
),

described as (
    select
        month_start_date,
        cast(month_start_date + interval 1 month - interval 1 day as date) as month_end_date,
        cast(year(month_start_date) as integer) as calendar_year,
        cast(month(month_start_date) as integer) as month_number,
        strftime(month_start_date, '%Y-%m') as month_label,
        strftime(month_start_date, '%b %Y') as month_name,
        'Q' || cast(quarter(month_start_date) as varchar) || ' ' || cast(year(month_start_date) as varchar)
            as calendar_quarter_label,
        -- UK financial years run April to March
        cast(year(month_start_date - interval 3 month) as varchar)
        || '/'
        || right(cast(year(month_start_date - interval 3 month) + 1 as varchar), 2) as financial_year_label,
        cast(month_start_date + interval 1 month - interval 1 day as date) < {{ as_of }} as is_complete_month,
        month_start_date >= cast(
            date_trunc('month', {{ as_of }}) - interval {{ var('trend_window_months', 24) - 1 }} month as date
        ) and month_start_date <= {{ as_of }} as is_in_trend_window
    from months
)

select * from described
