{#- People and households known to each service, counted at every level of
    the geography in one rollup: the borough, each ward and each LSOA
    (GROUPING() names the level). A person is placed once per service
    (int_service_users__located) and a household once
    (int_households__located), so LSOAs add up to their ward and wards (with
    the row for those not located, ward_code null) to the borough: the
    hierarchy secondary suppression protects. -#}

with

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

households as (
    select * from {{ ref('int_households__located') }}
),

service_households as (
    select distinct
        service_users.commission_id,
        service_users.service_code,
        service_users.household_key,
        households.ward_code,
        households.lsoa21_code
    from service_users
    inner join households
        on
            service_users.commission_id = households.commission_id
            and service_users.household_key = households.household_key
),

placed as (
    -- people and households are placed independently: an area can hold a
    -- service's household but none of its people, or the reverse
    select
        commission_id,
        service_code,
        ward_code,
        lsoa21_code,
        true as is_person,
        record_count
    from service_users
    union all
    select
        commission_id,
        service_code,
        ward_code,
        lsoa21_code,
        false as is_person,
        0 as record_count
    from service_households
),

rolled_up as (
    select
        commission_id,
        service_code,
        ward_code,
        lsoa21_code,
        cast(sum(record_count) as bigint) as record_count,
        case grouping(ward_code, lsoa21_code)
            when 3 then 'borough'
            when 1 then 'ward'
            else 'lsoa'
        end as area_level,
        count(*) filter (where is_person) as people_known_count,
        count(ward_code) filter (where is_person) as located_people_count,
        count(*) filter (where not is_person) as households_known_count,
        count(ward_code) filter (where not is_person) as located_households_count
    from placed
    group by commission_id, service_code, rollup(ward_code, lsoa21_code)
    -- the lsoa level repeats the ward level for those not located (a null
    -- ward_code at the ward level is a real group; GROUPING() tells it from
    -- the borough row)
    having not (grouping(lsoa21_code) = 0 and ward_code is null)
),

counted as (
    select
        commission_id,
        service_code,
        area_level,
        ward_code,
        lsoa21_code,
        people_known_count,
        located_people_count,
        households_known_count,
        located_households_count,
        record_count
    from rolled_up
)

select * from counted
