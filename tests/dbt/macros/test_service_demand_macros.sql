-- The service demand macros (macros/service_demand.sql): service_demand_measures
-- names people_known_count and households_known_count, in that order;
-- service_demand_rate_columns rates an area's row against the borough's
-- counts beside it, worked by hand (z = 1.96): 10 people of 100 residents
-- against 50 of 1,000 is 100.0 per 1,000 (55.23 to 174.37), borough 50.0,
-- ratio 2.0, higher; 4 households of 40 against 80 of 800 is 100.0 per
-- 1,000 (39.58 to 230.52), borough 100.0, ratio 1.0, similar. A withheld
-- count (NULL) withholds its rate, interval, ratio and comparison, and a
-- withheld borough count the borough rate, ratio and comparison. Fails with
-- each broken expectation.
with

areas as (
    select areas.*
    from (
        values
        ('counted', 10, 100, 4, 40, 50, 1000, 80, 800),
        ('withheld', null, 100, 4, 40, 50, 1000, null, 800)
    ) as areas (
        area,
        people_known_count,
        resident_count,
        households_known_count,
        household_count,
        borough_people_known_count,
        borough_resident_count,
        borough_households_known_count,
        borough_household_count
    )
),

rated as (
    select
        *,
        {{ service_demand_rate_columns() }}
    from areas
),

rate_failures as (
    select 'rates of the counted area' as failure
    from rated
    where
        area = 'counted'
        and (
            people_known_rate_per_1000 <> 100.0
            or people_known_rate_per_1000_ci_lower <> 55.23
            or people_known_rate_per_1000_ci_upper <> 174.37
            or borough_people_known_rate_per_1000 <> 50.0
            or people_known_rate_ratio_to_borough <> 2.0
            or people_known_compared_with_borough <> 'higher'
            or households_known_rate_per_1000 <> 100.0
            or households_known_rate_per_1000_ci_lower <> 39.58
            or households_known_rate_per_1000_ci_upper <> 230.52
            or borough_households_known_rate_per_1000 <> 100.0
            or households_known_rate_ratio_to_borough <> 1.0
            or households_known_compared_with_borough <> 'similar'
        )
    union all
    select 'rates of the withheld area' as failure
    from rated
    where
        area = 'withheld'
        and (
            people_known_rate_per_1000 is not null
            or people_known_rate_per_1000_ci_lower is not null
            or people_known_rate_per_1000_ci_upper is not null
            or borough_people_known_rate_per_1000 <> 50.0
            or people_known_rate_ratio_to_borough is not null
            or people_known_compared_with_borough is not null
            or households_known_rate_per_1000 <> 100.0
            or borough_households_known_rate_per_1000 is not null
            or households_known_rate_ratio_to_borough is not null
            or households_known_compared_with_borough is not null
        )
    union all
    select 'rated rows' as failure
    where (select count(*) from rated) <> 2
),

measure_failures as (
    select 'measures' as failure
    where
        '{{ service_demand_measures() | map("join", ":") | join(",") }}'
        <> 'people:people_known_count,households:households_known_count'
)

select * from rate_failures
union all
select * from measure_failures
