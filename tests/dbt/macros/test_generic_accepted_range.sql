-- The generic test accepted_range (tests/dbt/generic/accepted_range.sql) on
-- readings worked by hand: with bounds 0 and 10 it returns -1 and 11, and
-- neither bound itself nor a null; with one bound only, only the values past
-- that bound; with no bound, or on in-range readings only, nothing. Fails with
-- each row returned that was not planted and each planted row not returned.
with

readings as (
    select readings.*
    from (
        values
        (-1),
        (0),
        (5),
        (10),
        (11),
        (null)
    ) as readings (reading)
),

in_range_readings as (
    select * from readings
    where reading between 0 and 10
),

between_bounds as (
    {{ test_accepted_range('readings', 'reading', min_value=0, max_value=10) }}
),

above_minimum as (
    {{ test_accepted_range('readings', 'reading', min_value=0) }}
),

below_maximum as (
    {{ test_accepted_range('readings', 'reading', max_value=10) }}
),

unbounded as (
    {{ test_accepted_range('readings', 'reading') }}
),

in_range_only as (
    {{ test_accepted_range('in_range_readings', 'reading', min_value=0, max_value=10) }}
),

returned as (
    -- sqlfluff cannot count the generic test's columns
    select  -- noqa: AM07
        'between 0 and 10' as called_with,
        reading
    from between_bounds
    union all
    select
        'at least 0' as called_with,
        reading
    from above_minimum
    union all
    select
        'at most 10' as called_with,
        reading
    from below_maximum
    union all
    select
        'no bounds' as called_with,
        reading
    from unbounded
    union all
    select
        'in-range readings only' as called_with,
        reading
    from in_range_only
),

planted as (
    select planted.*
    from (
        values
        ('between 0 and 10', -1),
        ('between 0 and 10', 11),
        ('at least 0', -1),
        ('at most 10', 11)
    ) as planted (called_with, reading)
)

{{ rows_differing('returned', 'planted') }}
