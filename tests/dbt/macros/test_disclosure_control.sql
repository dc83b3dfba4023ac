-- Primary suppression, rounding and marking (macros/disclosure_control.sql)
-- under the default rule (1 to 7 suppressed, nearest 5) and a stricter one
-- (below 10 suppressed, nearest 10): a zero stays 0, a small count is
-- withheld and marked [c], everything else is rounded. A sharing model
-- computes its figures from the published counts (sdc_count_columns), so a
-- rate of a withheld count is null and a rate of a published one is the
-- rate of the rounded count (12 of 400 publishes 10 and 25.0 per 1,000, not
-- 30.0); rate_per_1000_columns on published counts withholds an area's rate
-- and interval with its count, the benchmark with the benchmark's count, and
-- the ratio and comparison with either. Fails with each case that does not
-- come out as expected.
with

cases as (
    select cases.*
    from (
        values
        (0, 7, 5, false, 0, null, 0.0),
        (1, 7, 5, true, null, '[c]', null),
        (7, 7, 5, true, null, '[c]', null),
        (8, 7, 5, false, 10, null, 25.0),
        (12, 7, 5, false, 10, null, 25.0),
        (13, 7, 5, false, 15, null, 37.5),
        (1234, 7, 5, false, 1235, null, 3087.5),
        (9, 9, 10, true, null, '[c]', null),
        (10, 9, 10, false, 10, null, 25.0),
        (14, 9, 10, false, 10, null, 25.0),
        (15, 9, 10, false, 20, null, 50.0),
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
        {{ sdc_count_columns('published_count', 'count_value', 'is_suppressed', 'rounding_base') }}
    from controlled
),

rated as (
    -- a rate per 1,000 of 400, from the published count only
    select
        *,
        {{ rate_per_1000_interval_columns('published', 'published_count', 400) }}
    from published
),

rates as (
    -- an area's count of 12 and a benchmark's of 52, each published or withheld
    select rates.*
    from (
        values
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
        {{ sdc_count_columns('known_count', 12, 'is_area_suppressed', 5) }},
        {{ sdc_count_columns('benchmark_count', 52, 'is_benchmark_suppressed', 5) }}
    from rates
),

withheld as (
    select
        *,
        {{ rate_per_1000_columns('known', 'known_count', 400, 'benchmark_count', 4000) }}
    from known
),

rate_failures as (
    select 'rate_per_1000_columns on published counts' as failure
    from withheld
    where
        cast(known_rate_per_1000 is not null as integer) is distinct from expected_rate
        or cast(known_rate_per_1000_ci_lower is not null as integer) is distinct from expected_lower
        or cast(known_rate_per_1000_ci_upper is not null as integer) is distinct from expected_upper
        or cast(borough_known_rate_per_1000 is not null as integer) is distinct from expected_benchmark
        or cast(known_rate_ratio_to_borough is not null as integer) is distinct from expected_ratio
        or cast(known_compared_with_borough is not null as integer) is distinct from expected_ratio
        or known_rate_per_1000 <> 25.0
        or borough_known_rate_per_1000 <> 12.5
        or known_rate_ratio_to_borough <> 2.0
)

select
    count_value,
    suppress_up_to,
    rounding_base,
    'count' as failure
from rated
where
    is_suppressed is distinct from expected_suppressed
    or (count_value is not null and published_count is distinct from expected_published)
    or (count_value is not null and published_count_status is distinct from expected_status)
    or (count_value is not null and published_rate_per_1000 is distinct from expected_rate)
    or (
        count_value is not null
        and not is_suppressed
        and published_count <> {{ sdc_rounded('count_value', 'rounding_base') }}
    )
union all
select
    null as count_value,
    null as suppress_up_to,
    null as rounding_base,
    failure
from rate_failures
