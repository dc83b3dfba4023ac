-- Wilson score interval, ratio of proportions with its Katz log interval,
-- and the comparison with a benchmark (macros/statistics.sql), against values
-- worked by hand (z = 1.96):
--   Wilson 10/100: 0.0552 to 0.1744; 0/50: 0 to 0.0713; 50/50: 0.9287 to 1.
--   Katz (20/100) / (100/1000): ratio 2, exp(ln 2 -/+ 1.96 * sqrt(1/20 - 1/100
--   + 1/100 - 1/1000)) = exp(0.6931 -/+ 0.4339) = 1.2960 to 3.0864.
-- rate_per_1000_columns for 10 of 100 against 50 of 1,000: 100.0 per 1,000
-- (55.23 to 174.37), borough 50.0, ratio 2.0, higher; the same when the
-- benchmark's counts are not named but stand beside the row's as
-- borough_<column>.
with

proportions as (
    select proportions.*
    from (
        values
        (10, 100, 0.0552, 0.1744),
        (0, 50, 0.0, 0.0713),
        (50, 50, 0.9287, 1.0)
    ) as proportions (numerator, denominator, expected_lower, expected_upper)
),

wilson_failures as (
    select 'wilson ' || numerator || '/' || denominator as failure
    from proportions
    where
        abs({{ wilson_interval('numerator', 'denominator', 'lower') }} - expected_lower) > 0.0001
        or abs({{ wilson_interval('numerator', 'denominator', 'upper') }} - expected_upper) > 0.0001
),

undefined_failures as (
    -- no interval for a count above its denominator or an empty denominator
    select 'wilson undefined' as failure
    where
        {{ wilson_interval(12, 10, 'lower') }} is not null
        or {{ wilson_interval(1, 0, 'upper') }} is not null
),

katz_failures as (
    select 'katz' as failure
    where
        abs({{ ratio_of_proportions(20, 100, 100, 1000) }} - 2.0) > 1e-9
        or abs({{ katz_log_interval(20, 100, 100, 1000, 'lower') }} - 1.2960) > 0.0001
        or abs({{ katz_log_interval(20, 100, 100, 1000, 'upper') }} - 3.0864) > 0.0001
        or {{ katz_log_interval(0, 100, 100, 1000, 'lower') }} is not null
),

benchmark_failures as (
    select 'compared_with_benchmark' as failure
    where
        {{ compared_with_benchmark(0.2, 0.3, 0.1) }} <> 'higher'
        or {{ compared_with_benchmark(0.2, 0.3, 0.4) }} <> 'lower'
        or {{ compared_with_benchmark(0.2, 0.3, 0.25) }} <> 'similar'
        or {{ compared_with_benchmark('null', 0.3, 0.25) }} is not null
),

rate_columns as (
    -- 10 of 100 against a benchmark of 50 of 1,000
    select
        {{ rate_per_1000_columns('known', 10, 100, 50, 1000) }}
),

benchmarked_rows as (
    -- the same, with the benchmark's counts beside the row's
    select benchmarked_rows.*
    from (values (10, 100, 50, 1000)) as benchmarked_rows (
        known_count, resident_count, borough_known_count, borough_resident_count
    )
),

default_rate_columns as (
    -- the benchmark's columns found by name: borough_ before the row's
    select
        {{ rate_per_1000_columns('known', 'known_count', 'resident_count') }}
    from benchmarked_rows
),

rate_failures as (
    -- the same with the benchmark's counts named and found by name
    select 'rate_per_1000_columns' as failure
    from (
        select * from rate_columns
        union all
        select * from default_rate_columns
    ) as rates
    where
        known_rate_per_1000 <> 100.0
        or known_rate_per_1000_ci_lower <> 55.23
        or known_rate_per_1000_ci_upper <> 174.37
        or borough_known_rate_per_1000 <> 50.0
        or known_rate_ratio_to_borough <> 2.0
        or known_compared_with_borough <> 'higher'
    union all
    select 'rate_per_1000_columns against the borough_ columns' as failure
    where (select count(*) from default_rate_columns) <> 1
)

select * from wilson_failures
union all
select * from undefined_failures
union all
select * from katz_failures
union all
select * from benchmark_failures
union all
select * from rate_failures
