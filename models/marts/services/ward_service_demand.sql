{#- People and households known to each service in each ward, against the
    census population, with 95% Wilson score intervals and the comparison
    with the borough. People and households are counted once per service by
    their linked person and household keys, each placed in one ward; those
    not located are the row with ward_code null (no rate). The borough
    benchmark is borough_service_demand's located people and households
    (those placed in a ward, like the wards). -#}

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

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
),

commission_services as (
    select distinct
        commission_id,
        service_code
    from demand
),

ward_areas as (
    {{ wards_and_not_known(
        'commission_services', ['commission_id', 'service_code'], 'wards', ['resident_count', 'household_count']
    ) }}
),

counted as (
    select
        ward_areas.commission_id,
        ward_areas.service_code,
        ward_areas.ward_code,
        ward_areas.ward_name,
        ward_areas.resident_count,
        ward_areas.household_count,
        borough_demand.located_people_count as borough_people_known_count,
        borough_demand.resident_count as borough_resident_count,
        borough_demand.located_households_count as borough_households_known_count,
        borough_demand.household_count as borough_household_count,
        coalesce(services.service_name, ward_areas.service_code) as service_name,
        coalesce(demand.people_known_count, 0) as people_known_count,
        coalesce(demand.households_known_count, 0) as households_known_count,
        coalesce(demand.record_count, 0) as record_count
    from ward_areas
    left join services
        on ward_areas.service_code = services.service_code
    inner join borough_demand
        on
            ward_areas.commission_id = borough_demand.commission_id
            and ward_areas.service_code = borough_demand.service_code
    left join demand
        on
            ward_areas.commission_id = demand.commission_id
            and ward_areas.service_code = demand.service_code
            and ward_areas.ward_code is not distinct from demand.ward_code
            and demand.area_level = 'ward'
),

rated as (
    select
        commission_id,
        service_code,
        service_name,
        ward_code,
        ward_name,
        people_known_count,
        households_known_count,
        record_count,
        cast(resident_count as bigint) as resident_count,
        cast(household_count as bigint) as household_count,
        {{ service_demand_rate_columns() }}
    from counted
)

select * from rated
