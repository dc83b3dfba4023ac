{#- People known to each service in each ward against the census population.
    A person is counted once per service, by the service's own person id where
    it has one, otherwise by record. Records that do not geocode to a ward are
    counted in the row with ward_code null. -#}

with

person_records as (
    select * from {{ ref('int_person_records__geocoded') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

people_by_ward as (
    select
        commission_id,
        service_code,
        ward_code,
        count(distinct coalesce(source_person_token, record_token)) as people_known_count,
        count(*) as record_count
    from person_records
    group by commission_id, service_code, ward_code
),

demand as (
    select
        people_by_ward.commission_id,
        people_by_ward.service_code,
        people_by_ward.ward_code,
        wards.ward_name,
        people_by_ward.people_known_count,
        people_by_ward.record_count,
        wards.resident_count,
        round(1000.0 * people_by_ward.people_known_count / nullif(wards.resident_count, 0), 2)
            as people_known_rate_per_1000
    from people_by_ward
    left join wards
        on people_by_ward.ward_code = wards.ward_code
)

select * from demand
