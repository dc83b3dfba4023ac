{#- Every current, unquarantined record as the linkage reads it: the spine's
    tokens (a postcode that is not a UK one standing in for a missing postcode
    token: one domain, so a valid and an invalid postcode never share a token),
    whether it can anchor a person, and the ward its GP practice is in. The
    record's token sets are not here: the steps that compare them join the
    view int_person_records__token_sets, so they are never stored. -#}

with

spine as (
    select * from {{ ref('int_person_records__geocoded') }}
),

practice_wards as (
    -- a GP practice's ward: the one most of its patients with an address live
    -- in, when it holds at least var linkage_practice_ward_min_share of them
    select
        commission_id,
        gp_practice_token,
        ward_code as practice_ward_code
    from spine
    where gp_practice_token is not null and ward_code is not null
    group by commission_id, gp_practice_token, ward_code
    qualify
        row_number() over (partition by commission_id, gp_practice_token order by count(*) desc, ward_code) = 1
        and count(*) >= {{ var('linkage_practice_ward_min_share') }}
        * sum(count(*)) over (partition by commission_id, gp_practice_token)
),

records as (
    select
        spine.commission_id,
        spine.record_token,
        spine.service_code,
        spine.source_person_token,
        spine.nhs_number_token,
        spine.forename_token,
        spine.forename_canonical_token,
        spine.forename_soundex_token,
        spine.forename_initial_token,
        spine.surname_token,
        spine.surname_soundex_token,
        spine.full_name_token,
        spine.name_swapped_token,
        spine.is_forename_initial,
        spine.birth_date_token,
        spine.birth_date_swapped_token,
        spine.birth_year,
        spine.latest_birth_year,
        spine.sex,
        spine.postcode_sector_token,
        spine.uprn_token,
        spine.ward_code,
        practice_wards.practice_ward_code,
        spine.contact_identifier_tokens,
        coalesce(spine.postcode_token, spine.unplaced_postcode_token) as postcode_token,
        -- a record that can anchor a person: a date of birth or an NHS number, and both names
        (spine.birth_date_token is not null or spine.nhs_number_token is not null)
        and spine.forename_token is not null
        and spine.surname_token is not null as is_strong
    from spine
    left join practice_wards
        on
            spine.commission_id = practice_wards.commission_id
            and spine.gp_practice_token = practice_wards.gp_practice_token
)

select * from records
