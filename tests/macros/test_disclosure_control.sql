-- Primary suppression, rounding and marking (macros/disclosure_control.sql)
-- under the default rule (1 to 7 suppressed, nearest 5) and a stricter one
-- (below 10 suppressed, nearest 10): a zero stays 0, a small count is
-- withheld and marked [c], everything else is rounded, and a rate is withheld
-- with its count; sdc_rate_columns withholds an area's rate and interval with
-- its count, the benchmark with the benchmark's, and the ratio and comparison
-- with either. Fails with each case that does not come out as expected.
with

cases as (
    select * from (values
        (0, 7, 5, false, 0, null, 12.5),
        (1, 7, 5, true, null, '[c]', null),
        (7, 7, 5, true, null, '[c]', null),
        (8, 7, 5, false, 10, null, 12.5),
        (12, 7, 5, false, 10, null, 12.5),
        (13, 7, 5, false, 15, null, 12.5),
        (1234, 7, 5, false, 1235, null, 12.5),
        (9, 9, 10, true, null, '[c]', null),
        (10, 9, 10, false, 10, null, 12.5),
        (14, 9, 10, false, 10, null, 12.5),
        (15, 9, 10, false, 20, null, 12.5),
        (null, 7, 5, false, null, '[c]', null)
    ) as cases (
        count_value, suppress_up_to, rounding_base,
        expected_suppressed, expected_published, expected_status, expected_rate
    )
),

controlled as (
    select
        *,
        {{ sdc_is_suppressed('count_value', 'suppress_up_to') }} as is_suppressed
    from cases
),

published as (
    select
        *,
        {{ sdc_count_columns('published_count', 'count_value', 'is_suppressed', 'rounding_base') }},
        {{ sdc_withheld('12.5', 'is_suppressed') }} as published_rate
    from controlled
),

rates as (
    select * from (values
        (false, false, 1, 1, 1, 1, 1),
        (true, false, 0, 0, 0, 1, 0),
        (false, true, 1, 1, 1, 0, 0)
    ) as rates (
        is_area_suppressed, is_benchmark_suppressed,
        expected_rate, expected_lower, expected_upper, expected_benchmark, expected_ratio
    )
),

known as (
    select
        *,
        10.0 as known_rate_per_1000,
        5.0 as known_rate_per_1000_ci_lower,
        20.0 as known_rate_per_1000_ci_upper,
        8.0 as borough_known_rate_per_1000,
        1.25 as known_rate_ratio_to_borough,
        'similar' as known_compared_with_borough
    from rates
),

withheld as (
    select
        known.expected_rate,
        known.expected_lower,
        known.expected_upper,
        known.expected_benchmark,
        known.expected_ratio,
        {{ sdc_rate_columns('known', 'known', 'known.is_area_suppressed', 'known.is_benchmark_suppressed') }}
    from known
),

rate_failures as (
    select 'sdc_rate_columns' as failure
    from withheld
    where
        cast(known_rate_per_1000 is not null as integer) is distinct from expected_rate
        or cast(known_rate_per_1000_ci_lower is not null as integer) is distinct from expected_lower
        or cast(known_rate_per_1000_ci_upper is not null as integer) is distinct from expected_upper
        or cast(borough_known_rate_per_1000 is not null as integer) is distinct from expected_benchmark
        or cast(known_rate_ratio_to_borough is not null as integer) is distinct from expected_ratio
        or cast(known_compared_with_borough is not null as integer) is distinct from expected_ratio
)

select
    count_value,
    suppress_up_to,
    rounding_base,
    'count' as failure
from published
where
    is_suppressed is distinct from expected_suppressed
    or (count_value is not null and published_count is distinct from expected_published)
    or (count_value is not null and published_count_status is distinct from expected_status)
    or (count_value is not null and published_rate is distinct from expected_rate)
    or (count_value is not null and not is_suppressed and published_count <> {{ sdc_rounded('count_value', 'rounding_base') }})
union all
select
    null as count_value,
    null as suppress_up_to,
    null as rounding_base,
    failure
from rate_failures
