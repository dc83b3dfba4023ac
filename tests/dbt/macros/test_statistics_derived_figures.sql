-- The statistics macros a sharing model computes its figures with
-- (macros/statistics.sql), against values worked by hand, and NULL whenever
-- a count they use is NULL (withheld):
--   rate_per_1000_interval_columns 10 of 100: 100.0 (55.23 to 174.37).
--   share_of_total 1 of 3: 0.3333; of 0: null.
--   jaccard_index of 20 and 30 with 10 in both: 10 / 40 = 0.25.
--   representation_columns (20/100) / (100/1000): 2.0 (Katz 1.296 to
--   3.086), over-represented; (10/100) / (100/1000): 1.0, in proportion;
--   (4/100) / (100/1000): 0.4 (0.15 to 1.064), in proportion.
with

figures as (
    select figures.*
    from (
        values
        (10, 100, 20, 30, 1, 3, 0.3333, 0.25),
        (null, 100, null, 30, null, 3, null, null)
    ) as figures (x, n, first_count, second_count, part, total, expected_share, expected_jaccard)
),

computed as (
    select
        *,
        {{ rate_per_1000_interval_columns('known', 'x', 'n') }},
        {{ share_of_total('part', 'total') }} as share_of_part,
        {{ share_of_total('part', 0) }} as share_of_nothing,
        {{ jaccard_index('x', 'first_count', 'second_count') }} as jaccard
    from figures
),

figure_failures as (
    select 'figures of ' || coalesce(cast(x as varchar), 'null') as failure
    from computed
    where
        known_rate_per_1000 is distinct from case when x is not null then 100.0 end
        or known_rate_per_1000_ci_lower is distinct from case when x is not null then 55.23 end
        or known_rate_per_1000_ci_upper is distinct from case when x is not null then 174.37 end
        or share_of_part is distinct from expected_share
        or share_of_nothing is not null
        or jaccard is distinct from expected_jaccard
),

population_groups as (
    select population_groups.*
    from (
        values
        (20, 100, 100, 1000, 2.0, 1.296, 3.086, 'over-represented'),
        (10, 100, 100, 1000, 1.0, 0.54, 1.853, 'in proportion'),
        (4, 100, 100, 1000, 0.4, 0.15, 1.064, 'in proportion'),
        (null, 100, 100, 1000, null, null, null, null),
        (20, null, 100, 1000, null, null, null, null)
    ) as population_groups (
        users, users_known, residents, residents_total, expected_ratio, expected_lower, expected_upper, expected
    )
),

represented as (
    select
        *,
        {{ representation_columns('users', 'users_known', 'residents', 'residents_total') }}
    from population_groups
),

representation_failures as (
    select 'representation of ' || coalesce(cast(users as varchar), 'null') as failure
    from represented
    where
        representation_ratio is distinct from expected_ratio
        or representation_ratio_ci_lower is distinct from expected_lower
        or representation_ratio_ci_upper is distinct from expected_upper
        or representation is distinct from expected
)

select * from figure_failures
union all
select * from representation_failures
