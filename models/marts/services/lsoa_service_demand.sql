{#- People and households known to each service in each LSOA where the
    service knows anyone, against the census population, with 95% Wilson
    score intervals and the comparison with the borough (the located people
    and households of borough_service_demand). LSOAs where a service knows
    nobody have no row: join dim_lsoa for a complete map. -#}

with

demand as (
    select * from {{ ref('int_service_demand__counted') }}
),

lsoas as (
    select * from {{ ref('int_lsoa__described') }}
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

counted as (
    select
        demand.commission_id,
        demand.service_code,
        demand.lsoa21_code,
        lsoas.lsoa21_name,
        lsoas.ward_code,
        wards.ward_name,
        lsoas.imd_decile,
        demand.people_known_count,
        demand.households_known_count,
        demand.record_count,
        lsoas.resident_count,
        lsoas.household_count,
        borough_demand.located_people_count as borough_people_known_count,
        borough_demand.resident_count as borough_resident_count,
        borough_demand.located_households_count as borough_households_known_count,
        borough_demand.household_count as borough_household_count,
        coalesce(services.service_name, demand.service_code) as service_name
    from demand
    inner join lsoas
        on demand.lsoa21_code = lsoas.lsoa21_code
    inner join wards
        on lsoas.ward_code = wards.ward_code
    left join services
        on demand.service_code = services.service_code
    inner join borough_demand
        on
            demand.commission_id = borough_demand.commission_id
            and demand.service_code = borough_demand.service_code
    where demand.area_level = 'lsoa'
),

rated as (
    select
        commission_id,
        service_code,
        service_name,
        lsoa21_code,
        lsoa21_name,
        ward_code,
        ward_name,
        imd_decile,
        people_known_count,
        households_known_count,
        record_count,
        resident_count,
        household_count,
        {{ service_demand_rate_columns() }}
    from counted
)

select * from rated
