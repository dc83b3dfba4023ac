-- Secondary suppression protects totals only if the figures add up: every
-- person and household is placed once per service, so the LSOAs of a ward add
-- up to the ward and the wards (with those not located) to the borough.
-- Fails with each total that its parts do not make.
with

demand as (
    select * from {{ ref('int_service_demand__counted') }}
),

lsoa_sums as (
    select
        commission_id,
        service_code,
        ward_code,
        sum(people_known_count) as people_known_count,
        sum(households_known_count) as households_known_count
    from demand
    where area_level = 'lsoa'
    group by commission_id, service_code, ward_code
),

ward_sums as (
    select
        commission_id,
        service_code,
        sum(people_known_count) as people_known_count,
        sum(households_known_count) as households_known_count,
        sum(people_known_count) filter (where ward_code is not null) as located_people_count,
        sum(households_known_count) filter (where ward_code is not null) as located_households_count
    from demand
    where area_level = 'ward'
    group by commission_id, service_code
),

failures as (
    select
        wards.commission_id,
        wards.service_code,
        wards.ward_code,
        'ward is not the sum of its LSOAs' as failure
    from demand as wards
    left join lsoa_sums
        on
            wards.commission_id = lsoa_sums.commission_id
            and wards.service_code = lsoa_sums.service_code
            and wards.ward_code = lsoa_sums.ward_code
    where
        wards.area_level = 'ward'
        and wards.ward_code is not null
        and (
            wards.people_known_count <> coalesce(lsoa_sums.people_known_count, 0)
            or wards.households_known_count <> coalesce(lsoa_sums.households_known_count, 0)
        )
    union all
    select
        borough.commission_id,
        borough.service_code,
        null as ward_code,
        'borough is not the sum of its wards' as failure
    from demand as borough
    inner join ward_sums
        on
            borough.commission_id = ward_sums.commission_id
            and borough.service_code = ward_sums.service_code
    where
        borough.area_level = 'borough'
        and (
            borough.people_known_count <> ward_sums.people_known_count
            or borough.households_known_count <> ward_sums.households_known_count
            or borough.located_people_count <> ward_sums.located_people_count
            or borough.located_households_count <> ward_sums.located_households_count
        )
)

select * from failures
