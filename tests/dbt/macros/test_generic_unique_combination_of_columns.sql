-- The generic test unique_combination_of_columns
-- (tests/dbt/generic/unique_combination_of_columns.sql) on area counts worked
-- by hand, unique on (lsoa21_code, sex): it returns (E01, F) twice over and
-- (E02, M) three times over, each once with its number of occurrences; not
-- rows that share one column only; and nothing on unique rows alone. Fails
-- with each row returned that was not planted and each planted row not
-- returned.
with

area_counts as (
    select area_counts.*
    from (
        values
        ('E01', 'F', 10),
        ('E01', 'F', 12),
        ('E01', 'M', 11),
        ('E02', 'F', 20),
        ('E02', 'M', 21),
        ('E02', 'M', 22),
        ('E02', 'M', 23)
    ) as area_counts (lsoa21_code, sex, resident_count)
),

unique_area_counts as (
    select * from area_counts
    where resident_count in (10, 11, 20, 21)
),

all_counts as (
    {{ test_unique_combination_of_columns('area_counts', columns=['lsoa21_code', 'sex']) }}
),

unique_only as (
    {{ test_unique_combination_of_columns('unique_area_counts', columns=['lsoa21_code', 'sex']) }}
),

returned as (
    -- sqlfluff cannot count the generic test's columns
    select  -- noqa: AM07
        'all counts' as called_on,
        *
    from all_counts
    union all
    select
        'unique counts only' as called_on,
        *
    from unique_only
),

planted as (
    select planted.*
    from (
        values
        ('all counts', 'E01', 'F', 2),
        ('all counts', 'E02', 'M', 3)
    ) as planted (called_on, lsoa21_code, sex, occurrences)
)

{{ rows_differing('returned', 'planted') }}
