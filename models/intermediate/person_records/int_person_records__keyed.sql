{#- The spine with each record's stable person key and household key: the
    model every cross-service mart reads. -#}

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

keyed as (
    select
        -- the GP practice is for linkage only
        person_records.* exclude (gp_practice_code), -- noqa: RF02
        person_keys.person_key,
        households.household_key,
        households.household_basis
    from person_records
    inner join person_keys
        on person_records.record_token = person_keys.record_token
    left join households
        on
            person_keys.commission_id = households.commission_id
            and person_keys.person_key = households.person_key
)

-- every spine column, whatever the spine holds: its YAML twin lists them
select * from keyed -- noqa: AM04
