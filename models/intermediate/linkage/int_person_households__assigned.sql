{#- Each linked person's household: the people living at the same property.
    - 'property': the UPRN of the person's most recent record with one;
    - 'co-residence': a person with no UPRN of their own who lives with a
      referred child (children's social care family network) joins the child's
      household;
    - 'surname at address': a person with no UPRN (an NHS registration has a
      postcode only) joins the one property household at their latest postcode
      with a member of the same surname;
    - 'postcode and surname': failing all of these, people sharing a surname
      at their latest postcode form a household.
    Keys derive from the commission and the property (or postcode and surname)
    token, so a household keeps its key across builds while it stays put;
    people with neither a property nor a postcode have no household. -#}

with

person_records as (
    select * from {{ ref('int_person_records__geocoded') }}
),

person_keys as (
    select * from {{ ref('int_person_keys__assigned') }}
),

family_members as (
    select * from {{ ref('stg_childrens_social_care__csc_family_members') }}
),

keyed_records as (
    select
        person_records.commission_id,
        person_records.record_token,
        person_records.service_code,
        person_records.source_person_token,
        person_records.uprn_token,
        person_records.postcode_token,
        person_records.surname_token,
        person_records.event_date,
        person_records.extracted_at,
        person_keys.person_key
    from person_records
    inner join person_keys
        on person_records.record_token = person_keys.record_token
),

persons as (
    select distinct
        commission_id,
        person_key
    from keyed_records
),

latest_property as (
    select
        commission_id,
        person_key,
        uprn_token
    from keyed_records
    where uprn_token is not null
    qualify row_number() over (
        partition by commission_id, person_key order by event_date desc, extracted_at desc, record_token asc
    ) = 1
),

latest_postcode as (
    select
        commission_id,
        person_key,
        postcode_token,
        surname_token
    from keyed_records
    where postcode_token is not null and surname_token is not null
    qualify row_number() over (
        partition by commission_id, person_key order by event_date desc, extracted_at desc, record_token asc
    ) = 1
),

property_households as (
    select
        commission_id,
        person_key,
        'H' || left(sha256('household_key' || chr(31) || commission_id || chr(31) || uprn_token), 16) as household_key
    from latest_property
),

property_household_surnames as (
    -- the postcodes and surnames property households are known by
    select distinct
        property_households.commission_id,
        property_households.household_key,
        latest_postcode.postcode_token,
        latest_postcode.surname_token
    from property_households
    inner join latest_postcode
        on
            property_households.commission_id = latest_postcode.commission_id
            and property_households.person_key = latest_postcode.person_key
),

surname_at_address_households as (
    select
        latest_postcode.commission_id,
        latest_postcode.person_key,
        min(property_household_surnames.household_key) as household_key
    from latest_postcode
    inner join property_household_surnames
        on
            latest_postcode.commission_id = property_household_surnames.commission_id
            and latest_postcode.postcode_token = property_household_surnames.postcode_token
            and latest_postcode.surname_token = property_household_surnames.surname_token
    group by latest_postcode.commission_id, latest_postcode.person_key
    having count(distinct property_household_surnames.household_key) = 1
),

co_resident_members as (
    -- a family member living with a referred child, and that child's person key
    select distinct
        member.commission_id,
        member.person_key as member_person_key,
        child.person_key as child_person_key
    from family_members
    inner join keyed_records as member
        on family_members.record_token = member.record_token
    inner join keyed_records as child
        on
            family_members.related_person_token = child.source_person_token
            and child.service_code = 'childrens_social_care'
    where family_members.is_current_version and family_members.lives_with_child
),

co_resident_households as (
    select
        co_resident_members.commission_id,
        co_resident_members.member_person_key as person_key,
        min(property_households.household_key) as household_key
    from co_resident_members
    inner join property_households
        on
            co_resident_members.commission_id = property_households.commission_id
            and co_resident_members.child_person_key = property_households.person_key
    group by co_resident_members.commission_id, co_resident_members.member_person_key
),

postcode_households as (
    select
        commission_id,
        person_key,
        'H' || left(sha256(
            'household_key' || chr(31) || commission_id || chr(31) || postcode_token || chr(31) || surname_token
        ), 16) as household_key
    from latest_postcode
),

assigned as (
    select
        persons.commission_id,
        persons.person_key,
        coalesce(
            property_households.household_key,
            co_resident_households.household_key,
            surname_at_address_households.household_key,
            postcode_households.household_key
        ) as household_key,
        case
            when property_households.household_key is not null then 'property'
            when co_resident_households.household_key is not null then 'co-residence'
            when surname_at_address_households.household_key is not null then 'surname at address'
            when postcode_households.household_key is not null then 'postcode and surname'
        end as household_basis
    from persons
    left join property_households
        on
            persons.commission_id = property_households.commission_id
            and persons.person_key = property_households.person_key
    left join co_resident_households
        on
            persons.commission_id = co_resident_households.commission_id
            and persons.person_key = co_resident_households.person_key
    left join surname_at_address_households
        on
            persons.commission_id = surname_at_address_households.commission_id
            and persons.person_key = surname_at_address_households.person_key
    left join postcode_households
        on
            persons.commission_id = postcode_households.commission_id
            and persons.person_key = postcode_households.person_key
)

select * from assigned
