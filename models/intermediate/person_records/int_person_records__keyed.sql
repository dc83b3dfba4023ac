{#- The spine with each record's stable person key and household key: the
    model every cross-service mart reads. It holds only what those marts
    read, at their grain: the event's month, never its day; an age band,
    never a year of birth; LSOA and ward. A person's (or household's)
    latest record is found by the rank of its event day among the person's
    (household's) records, computed here from the day, which stays on
    int_person_records__geocoded. A record with no date of birth of its own
    takes the age band of the linked person's most frequent year of birth. -#}

with

person_records as (
    select * from {{ ref('int_person_records__geocoded') }}
),

person_keys as (
    select * from {{ ref('int_person_keys__assigned') }}
),

households as (
    select * from {{ ref('int_person_households__assigned') }}
),

keyed_records as (
    select
        person_records.commission_id,
        person_records.service_code,
        person_records.delivery_file,
        person_records.extracted_at,
        person_records.record_token,
        person_records.event_date,
        person_records.birth_year,
        person_records.age_band_code,
        person_records.sex,
        person_records.census_ethnic_group_code,
        person_records.ethnic_group,
        person_records.postcode_token,
        person_records.lsoa21_code,
        person_records.ward_code,
        person_records.is_geocoded,
        person_keys.person_key,
        households.household_key
    from person_records
    inner join person_keys
        on person_records.record_token = person_keys.record_token
    left join households
        on
            person_keys.commission_id = households.commission_id
            and person_keys.person_key = households.person_key
),

person_birth_years as (
    select
        commission_id,
        person_key,
        mode(birth_year) as birth_year
    from keyed_records
    group by commission_id, person_key
),

keyed as (
    select
        keyed_records.commission_id,
        keyed_records.service_code,
        keyed_records.delivery_file,
        keyed_records.extracted_at,
        keyed_records.record_token,
        cast(date_trunc('month', keyed_records.event_date) as date) as event_month,
        dense_rank() over (
            partition by keyed_records.commission_id, keyed_records.person_key
            order by keyed_records.event_date desc
        ) as person_event_rank,
        case
            when keyed_records.household_key is not null
                then dense_rank() over (
                    partition by keyed_records.commission_id, keyed_records.household_key
                    order by keyed_records.event_date desc
                )
        end as household_event_rank,
        keyed_records.age_band_code,
        case
            when keyed_records.age_band_code is null
                then {{ age_band_code('year(keyed_records.event_date) - person_birth_years.birth_year') }}
        end as birth_year_age_band_code,
        keyed_records.sex,
        keyed_records.census_ethnic_group_code,
        keyed_records.ethnic_group,
        keyed_records.postcode_token,
        keyed_records.lsoa21_code,
        keyed_records.ward_code,
        keyed_records.is_geocoded,
        keyed_records.person_key,
        keyed_records.household_key
    from keyed_records
    inner join person_birth_years
        on
            keyed_records.commission_id = person_birth_years.commission_id
            and keyed_records.person_key = person_birth_years.person_key
)

select * from keyed
