{#- Who lives in each household now (per commission): the household key
    (derived from the property's token, or the postcode and surname tokens)
    and the sorted keys of the people assigned to it. Keyed tokens only; the
    snapshot household_composition_history keeps every earlier version, so an
    analyst can ask who lived at a property on a past date. -#}

with

person_households as (
    select * from {{ ref('int_person_households__assigned') }}
),

household_members as (
    select
        commission_id,
        household_key,
        count(*) as member_count,
        list(person_key order by person_key) as person_keys
    from person_households
    where household_key is not null
    group by commission_id, household_key
)

select * from household_members
