-- parse_date, parse_timestamp, swap_day_month and age_in_years on the date
-- shapes the extracts deliver, including impossible and out-of-range dates.
with

dates as (
    select dates.*
    from (
        values
        ('05/03/1984', date '1984-03-05'),
        ('5/3/1984', date '1984-03-05'),
        ('1984-03-05', date '1984-03-05'),
        ('05-Mar-1984', date '1984-03-05'),
        ('19840305', date '1984-03-05'),
        ('05.03.1984', date '1984-03-05'),
        ('31/02/1984', null),
        ('03/05/1784', null),
        ('not a date', null),
        ('', null)
    ) as dates (raw_value, expected)
),

swaps as (
    select swaps.*
    from (
        values
        (date '1984-03-05', date '1984-05-03'),
        (date '1984-05-05', null),
        (date '1984-03-25', null)
    ) as swaps (birth_date, expected)
),

ages as (
    select ages.*
    from (
        values
        (date '2000-03-05', date '2026-03-04', 25),
        (date '2000-03-05', date '2026-03-05', 26),
        (date '2000-02-29', date '2026-02-28', 25)
    ) as ages (birth_date, at_date, expected)
),

failures as (
    select
        'parse_date' as macro_name,
        raw_value as case_value
    from dates
    where {{ parse_date('raw_value', ['%d/%m/%Y'] + var('fallback_date_formats')) }} is distinct from expected
    union all
    select
        'parse_timestamp' as macro_name,
        '01/10/2026 06:00' as case_value
    where {{ parse_timestamp("'01/10/2026 06:00'", ['%d/%m/%Y %H:%M']) }} is distinct from timestamp '2026-10-01 06:00'
    union all
    select
        'swap_day_month' as macro_name,
        cast(birth_date as varchar) as case_value
    from swaps
    where {{ swap_day_month('birth_date') }} is distinct from expected
    union all
    select
        'age_in_years' as macro_name,
        cast(birth_date as varchar) || ' at ' || cast(at_date as varchar) as case_value
    from ages
    where {{ age_in_years('birth_date', 'at_date') }} is distinct from expected
)

select * from failures
