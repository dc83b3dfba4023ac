{#- Each linked person's household: the people living at one property now.
    The strongest evidence a person has decides it:
    - 'property': the person's current property. A live council tax
      liability names the property the person is liable for now (the
      account's own address, not one the person stated), so it comes first;
      otherwise the UPRN of their latest record with one, unless a later
      record puts them at another postcode (they have moved on);
    - 'co-residence': a person with no property of their own recorded as
      living with someone who has one (children's social care: a family
      member living with a referred child, the child, and the others living
      with that child) joins that property's household;
    - 'only property at postcode': the person's latest postcode holds one
      residential property in the gazetteer, so that is where they live
      (unless a GP registration is all that says so: GP lists keep people
      who moved away at their old address);
    - 'surname at address': exactly one property household at the person's
      latest postcode has a member known (on any record) by one of the
      person's surnames (on any record);
    - 'postcode and surname': failing these, people sharing a surname at
      their latest postcode live together when the surname is distinctive
      there: that another of the postcode's properties holds it by chance
      (its share of the borough's property households, over the postcode's
      other properties) is less likely than not; with a common surname each
      is 'alone at postcode'.
    Keys derive from the commission and the property token (or the postcode
    and surname tokens, and the person key for someone alone), so a household
    keeps its key across builds while it stays put; people with neither a
    property nor a postcode (nor anyone recorded as living with them) have
    no household. -#}

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

liable_parties as (
    select * from {{ ref('stg_revenues_benefits__ctax_liable_parties') }}
),

properties as (
    select * from {{ ref('stg_llpg__properties') }}
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

council_tax_records as (
    select distinct record_token
    from liable_parties
    where is_current_version and quarantine_reason is null
),

latest_property as (
    -- a live council tax liability first, then the latest record with a UPRN
    select
        keyed_records.commission_id,
        keyed_records.person_key,
        keyed_records.uprn_token,
        keyed_records.event_date,
        council_tax_records.record_token is not null as is_council_tax_liability
    from keyed_records
    left join council_tax_records
        on keyed_records.record_token = council_tax_records.record_token
    where keyed_records.uprn_token is not null
    qualify row_number() over (
        partition by keyed_records.commission_id, keyed_records.person_key
        order by
            council_tax_records.record_token is not null desc,
            keyed_records.event_date desc,
            keyed_records.extracted_at desc,
            keyed_records.record_token asc
    ) = 1
),

latest_postcode as (
    select
        commission_id,
        person_key,
        postcode_token,
        event_date
    from keyed_records
    where postcode_token is not null
    qualify row_number() over (
        partition by commission_id, person_key order by event_date desc, extracted_at desc, record_token asc
    ) = 1
),

person_surnames as (
    -- every surname a person is known by, on any of their records
    select distinct
        commission_id,
        person_key,
        surname_token
    from keyed_records
    where surname_token is not null
),

property_households as (
    -- the latest property, unless a later record puts the person at another postcode (they
    -- have moved on) and no council tax liability holds them there
    select
        latest_property.commission_id,
        latest_property.person_key,
        latest_property.uprn_token,
        coalesce(properties.postcode_token, latest_postcode.postcode_token) as postcode_token,
        'H' || left(sha256(
            'household_key' || chr(31) || latest_property.commission_id || chr(31) || latest_property.uprn_token
        ), 16) as household_key
    from latest_property
    left join properties
        on
            latest_property.commission_id = properties.commission_id
            and latest_property.uprn_token = properties.uprn_token
    left join latest_postcode
        on
            latest_property.commission_id = latest_postcode.commission_id
            and latest_property.person_key = latest_postcode.person_key
    where
        latest_property.is_council_tax_liability
        or not coalesce(
            latest_postcode.event_date > latest_property.event_date
            and latest_postcode.postcode_token != properties.postcode_token,
            false
        )
),

co_resident_links as (
    -- a family member living with a referred child, and that child
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

co_residents as (
    -- who lives with whom: member and child both ways, and two members living with one child
    select
        commission_id,
        member_person_key as person_key,
        child_person_key as co_resident_person_key
    from co_resident_links
    union
    select
        commission_id,
        child_person_key,
        member_person_key
    from co_resident_links
    union
    select
        one.commission_id,
        one.member_person_key as person_key,
        other.member_person_key as co_resident_person_key
    from co_resident_links as one
    inner join co_resident_links as other
        on
            one.commission_id = other.commission_id
            and one.child_person_key = other.child_person_key
            and one.member_person_key != other.member_person_key
),

co_resident_households as (
    select
        co_residents.commission_id,
        co_residents.person_key,
        min(property_households.household_key) as household_key
    from co_residents
    inner join property_households
        on
            co_residents.commission_id = property_households.commission_id
            and co_residents.co_resident_person_key = property_households.person_key
    group by co_residents.commission_id, co_residents.person_key
),

single_property_postcodes as (
    -- postcodes with one residential property in the gazetteer
    select
        commission_id,
        postcode_token,
        min(uprn_token) as uprn_token
    from properties
    where is_residential and is_approved and postcode_token is not null
    group by commission_id, postcode_token
    having count(*) = 1
),

seen_beyond_gp_register as (
    -- people with a record of another service than the GP register: GP lists keep people
    -- who have moved away at their old address, so a registration alone does not place
    -- anyone at a property without a surname or relationship to back it
    select distinct
        commission_id,
        person_key
    from keyed_records
    where service_code != 'nhs_partner'
),

only_property_households as (
    select
        latest_postcode.commission_id,
        latest_postcode.person_key,
        'H' || left(sha256(
            'household_key' || chr(31) || latest_postcode.commission_id
            || chr(31) || single_property_postcodes.uprn_token
        ), 16) as household_key
    from latest_postcode
    inner join single_property_postcodes
        on
            latest_postcode.commission_id = single_property_postcodes.commission_id
            and latest_postcode.postcode_token = single_property_postcodes.postcode_token
    inner join seen_beyond_gp_register
        on
            latest_postcode.commission_id = seen_beyond_gp_register.commission_id
            and latest_postcode.person_key = seen_beyond_gp_register.person_key
),

property_household_surnames as (
    -- the surnames property households are known by at their property's postcode
    select distinct
        property_households.commission_id,
        property_households.household_key,
        property_households.postcode_token,
        person_surnames.surname_token
    from property_households
    inner join person_surnames
        on
            property_households.commission_id = person_surnames.commission_id
            and property_households.person_key = person_surnames.person_key
),

property_household_counts as (
    select
        commission_id,
        count(distinct household_key) as household_count
    from property_households
    group by commission_id
),

surname_shares as (
    -- the share of the borough's property households known by each surname
    select
        property_household_surnames.commission_id,
        property_household_surnames.surname_token,
        count(distinct property_household_surnames.household_key)
        / any_value(property_household_counts.household_count) as household_share
    from property_household_surnames
    inner join property_household_counts
        on property_household_surnames.commission_id = property_household_counts.commission_id
    group by property_household_surnames.commission_id, property_household_surnames.surname_token
),

postcode_property_counts as (
    select
        commission_id,
        postcode_token,
        count(*) as property_count
    from properties
    where is_residential and is_approved and postcode_token is not null
    group by commission_id, postcode_token
),

postcode_surnames as (
    -- each person's surnames at their latest postcode, and whether the surname is distinctive
    -- there: that another of the postcode's properties holds it by chance is less likely than not
    select
        latest_postcode.commission_id,
        latest_postcode.person_key,
        latest_postcode.postcode_token,
        person_surnames.surname_token,
        1 - pow(
            1 - coalesce(surname_shares.household_share, 0),
            greatest(coalesce(postcode_property_counts.property_count, 1) - 1, 0)
        ) < 0.5 as is_distinctive
    from latest_postcode
    inner join person_surnames
        on
            latest_postcode.commission_id = person_surnames.commission_id
            and latest_postcode.person_key = person_surnames.person_key
    left join surname_shares
        on
            person_surnames.commission_id = surname_shares.commission_id
            and person_surnames.surname_token = surname_shares.surname_token
    left join postcode_property_counts
        on
            latest_postcode.commission_id = postcode_property_counts.commission_id
            and latest_postcode.postcode_token = postcode_property_counts.postcode_token
),

surname_at_address_households as (
    select
        postcode_surnames.commission_id,
        postcode_surnames.person_key,
        min(property_household_surnames.household_key) as household_key
    from postcode_surnames
    inner join property_household_surnames
        on
            postcode_surnames.commission_id = property_household_surnames.commission_id
            and postcode_surnames.postcode_token = property_household_surnames.postcode_token
            and postcode_surnames.surname_token = property_household_surnames.surname_token
    group by postcode_surnames.commission_id, postcode_surnames.person_key
    having count(distinct property_household_surnames.household_key) = 1
),

latest_surname as (
    select
        commission_id,
        person_key,
        surname_token
    from keyed_records
    where surname_token is not null
    qualify row_number() over (
        partition by commission_id, person_key order by event_date desc, extracted_at desc, record_token asc
    ) = 1
),

postcode_households as (
    -- people sharing a distinctive surname at a postcode live together; with a common one,
    -- each is a household of their own
    select
        postcode_surnames.commission_id,
        postcode_surnames.person_key,
        postcode_surnames.is_distinctive,
        'H' || left(sha256(
            'household_key' || chr(31) || postcode_surnames.commission_id
            || chr(31) || postcode_surnames.postcode_token || chr(31) || postcode_surnames.surname_token
            || case when postcode_surnames.is_distinctive then '' else chr(31) || postcode_surnames.person_key end
        ), 16) as household_key
    from postcode_surnames
    inner join latest_surname
        on
            postcode_surnames.commission_id = latest_surname.commission_id
            and postcode_surnames.person_key = latest_surname.person_key
            and postcode_surnames.surname_token = latest_surname.surname_token
),

assigned as (
    select
        persons.commission_id,
        persons.person_key,
        coalesce(
            property_households.household_key,
            co_resident_households.household_key,
            only_property_households.household_key,
            surname_at_address_households.household_key,
            postcode_households.household_key
        ) as household_key,
        case
            when property_households.household_key is not null then 'property'
            when co_resident_households.household_key is not null then 'co-residence'
            when only_property_households.household_key is not null then 'only property at postcode'
            when surname_at_address_households.household_key is not null then 'surname at address'
            when postcode_households.is_distinctive then 'postcode and surname'
            when postcode_households.household_key is not null then 'alone at postcode'
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
    left join only_property_households
        on
            persons.commission_id = only_property_households.commission_id
            and persons.person_key = only_property_households.person_key
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
