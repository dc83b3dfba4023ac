{#- People and households known to each service in the whole borough, per
    commission: all of them, and those placed in a ward (the benchmark the
    ward and LSOA marts compare with), with rates per 1,000 residents (or
    households) and 95% Wilson score intervals. -#}

with

demand as (
    select * from {{ ref('int_service_demand__counted') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

services as (
    select * from {{ ref('services') }}
),

borough_population as (
    select
        cast(sum(resident_count) as bigint) as resident_count,
        cast(sum(household_count) as bigint) as household_count
    from wards
),

counted as (
    select
        demand.commission_id,
        demand.service_code,
        services.owning_service,
        demand.people_known_count,
        demand.located_people_count,
        demand.households_known_count,
        demand.located_households_count,
        demand.record_count,
        borough_population.resident_count,
        borough_population.household_count,
        coalesce(services.service_name, demand.service_code) as service_name,
        coalesce(services.is_universal_service, false) as is_universal_service
    from demand
    cross join borough_population
    left join services
        on demand.service_code = services.service_code
    where demand.area_level = 'borough'
),

rated as (
    select
        commission_id,
        service_code,
        service_name,
        owning_service,
        is_universal_service,
        people_known_count,
        located_people_count,
        households_known_count,
        located_households_count,
        record_count,
        resident_count,
        household_count,
        people_known_count - located_people_count as not_located_people_count,
        round(1000.0 * people_known_count / nullif(resident_count, 0), 2) as people_known_rate_per_1000,
        round(1000.0 * {{ wilson_interval('people_known_count', 'resident_count', 'lower') }}, 2)
            as people_known_rate_per_1000_ci_lower,
        round(1000.0 * {{ wilson_interval('people_known_count', 'resident_count', 'upper') }}, 2)
            as people_known_rate_per_1000_ci_upper,
        round(1000.0 * located_people_count / nullif(resident_count, 0), 2) as located_people_rate_per_1000,
        round(1000.0 * households_known_count / nullif(household_count, 0), 2) as households_known_rate_per_1000,
        round(1000.0 * {{ wilson_interval('households_known_count', 'household_count', 'lower') }}, 2)
            as households_known_rate_per_1000_ci_lower,
        round(1000.0 * {{ wilson_interval('households_known_count', 'household_count', 'upper') }}, 2)
            as households_known_rate_per_1000_ci_upper,
        round(1000.0 * located_households_count / nullif(household_count, 0), 2) as located_households_rate_per_1000
    from counted
)

select * from rated
