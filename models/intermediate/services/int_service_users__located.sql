{#- One row per person known to each service (per commission): when they
    first came to it, where they live and who they are, as every mart that
    counts people by service needs them. A person is counted once per
    service, by linked person key, and in one place only, so areas add up to
    the borough. "Latest" orders a person's records by the rank of their
    event day (person_event_rank, on the keyed spine), then extract time:
    - location: the person's latest geocoded record with the service, else
      their latest geocoded record with any service (linkage fills the gap
      when a service holds no usable address), else not located;
    - sex: the most frequent known value across all the person's records;
    - ethnic group: the latest known value across all their records;
    - age band: on the latest event with the service with a date of birth of
      its own, else on the latest event with the service from the person's
      year of birth elsewhere;
    - first_contact_month: the month of the earliest event of the person's
      records with the service. -#}

with

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

service_people as (
    select
        commission_id,
        service_code,
        person_key,
        min(event_month) as first_contact_month,
        -- the latest service records share the event's year, so its band from the year of birth
        arg_min_null(birth_year_age_band_code, person_event_rank) as birth_year_age_band_code,
        count(*) as record_count
    from person_records
    group by commission_id, service_code, person_key
),

latest_service_age as (
    select
        commission_id,
        service_code,
        person_key,
        age_band_code
    from person_records
    where age_band_code is not null
    qualify row_number() over (
        partition by commission_id, service_code, person_key
        order by person_event_rank asc, extracted_at desc, record_token asc
    ) = 1
),

service_locations as (
    select
        commission_id,
        service_code,
        person_key,
        lsoa21_code,
        ward_code
    from person_records
    where is_geocoded
    qualify row_number() over (
        partition by commission_id, service_code, person_key
        order by person_event_rank asc, extracted_at desc, record_token asc
    ) = 1
),

person_locations as (
    select
        commission_id,
        person_key,
        lsoa21_code,
        ward_code
    from person_records
    where is_geocoded
    qualify row_number() over (
        partition by commission_id, person_key
        order by person_event_rank asc, extracted_at desc, record_token asc
    ) = 1
),

person_sexes as (
    select
        commission_id,
        person_key,
        sex
    from person_records
    where sex is not null
    group by commission_id, person_key, sex
    qualify row_number() over (
        partition by commission_id, person_key order by count(*) desc, min(person_event_rank) asc, sex asc
    ) = 1
),

person_ethnic_groups as (
    select
        commission_id,
        person_key,
        ethnic_group,
        census_ethnic_group_code
    from person_records
    where ethnic_group <> 'Not known'
    qualify row_number() over (
        partition by commission_id, person_key
        order by person_event_rank asc, extracted_at desc, census_ethnic_group_code is null asc, record_token asc
    ) = 1
),

person_households as (
    select
        commission_id,
        person_key,
        max(household_key) as household_key
    from person_records
    group by commission_id, person_key
),

located as (
    select
        service_people.commission_id,
        service_people.service_code,
        service_people.person_key,
        person_households.household_key,
        service_people.first_contact_month,
        service_people.record_count,
        person_sexes.sex,
        person_ethnic_groups.census_ethnic_group_code,
        coalesce(service_locations.lsoa21_code, person_locations.lsoa21_code) as lsoa21_code,
        coalesce(service_locations.ward_code, person_locations.ward_code) as ward_code,
        coalesce(person_ethnic_groups.ethnic_group, 'Not known') as ethnic_group,
        coalesce(latest_service_age.age_band_code, service_people.birth_year_age_band_code) as age_band_code
    from service_people
    inner join person_households
        on
            service_people.commission_id = person_households.commission_id
            and service_people.person_key = person_households.person_key
    left join latest_service_age
        on
            service_people.commission_id = latest_service_age.commission_id
            and service_people.service_code = latest_service_age.service_code
            and service_people.person_key = latest_service_age.person_key
    left join service_locations
        on
            service_people.commission_id = service_locations.commission_id
            and service_people.service_code = service_locations.service_code
            and service_people.person_key = service_locations.person_key
    left join person_locations
        on
            service_people.commission_id = person_locations.commission_id
            and service_people.person_key = person_locations.person_key
    left join person_sexes
        on
            service_people.commission_id = person_sexes.commission_id
            and service_people.person_key = person_sexes.person_key
    left join person_ethnic_groups
        on
            service_people.commission_id = person_ethnic_groups.commission_id
            and service_people.person_key = person_ethnic_groups.person_key
)

select * from located
