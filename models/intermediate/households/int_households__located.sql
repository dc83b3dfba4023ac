{#- One row per linked household (per commission): where it is and to how
    many targeted services it is known. A household is placed once, at the
    address of the latest geocoded record of any of its people (by the rank
    of its event day among the household's, household_event_rank), so
    households add up from LSOA to ward to borough. -#}

with

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

services as (
    select * from {{ ref('services') }}
),

household_records as (
    select
        commission_id,
        household_key,
        service_code,
        record_token,
        household_event_rank,
        extracted_at,
        lsoa21_code,
        ward_code,
        postcode_token,
        is_geocoded
    from person_records
    where household_key is not null
),

household_locations as (
    select
        commission_id,
        household_key,
        lsoa21_code,
        ward_code,
        postcode_token
    from household_records
    where is_geocoded
    qualify row_number() over (
        partition by commission_id, household_key
        order by household_event_rank asc, extracted_at desc, record_token asc
    ) = 1
),

household_services as (
    select
        household_records.commission_id,
        household_records.household_key,
        -- a service missing from the services seed counts as targeted
        count(distinct household_records.service_code) filter (
            where not coalesce(services.is_universal_service, false)
        ) as targeted_service_count
    from household_records
    left join services
        on household_records.service_code = services.service_code
    group by household_records.commission_id, household_records.household_key
),

located as (
    select
        household_services.commission_id,
        household_services.household_key,
        household_locations.lsoa21_code,
        household_locations.ward_code,
        household_locations.postcode_token,
        household_services.targeted_service_count
    from household_services
    left join household_locations
        on
            household_services.commission_id = household_locations.commission_id
            and household_services.household_key = household_locations.household_key
)

select * from located
