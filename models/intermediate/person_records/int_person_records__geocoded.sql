{#- One row per current, unquarantined, unexpired record of every
    person-level extract (the staging models listed in var('person_extracts')),
    in one shape, with the LSOA and ward of its postcode (or, failing that, of
    its UPRN, whose postcode it then takes for matching) and its ethnic group
    on the census classification. Pseudonymised: the tokens the linkage and
    the households compare and only the clear attributes something
    downstream reads (spine_columns), each at the coarsest grain it is read
    at: LSOA, not output area; an age band, with the year of birth for the
    linkage; the GP practice as a token. The day of the event stays here,
    where the households and the keyed spine order a person's records by it.
    Records whose address does not resolve are kept, with is_geocoded false;
    records past their retention date are left out. -#}

{%- set spine_columns = [
    'commission_id', 'service_code', 'delivery_file', 'extracted_at', 'record_token', 'source_person_token',
    'event_date', 'nhs_number_token',
    'forename_token', 'forename_canonical_token', 'forename_soundex_token', 'forename_initial_token',
    'surname_token', 'surname_soundex_token', 'full_name_token', 'name_swapped_token',
    'is_forename_initial',
    'birth_date_token', 'birth_date_swapped_token', 'birth_year', 'latest_birth_year', 'age_band_code', 'sex',
    'unplaced_postcode_token', 'postcode_sector_token', 'uprn_token', 'gp_practice_token', 'contact_identifier_tokens',
] %}

with

person_records as (
    {% for model in var('person_extracts') %}
    select
        {{ spine_columns | join(', ') }},
        postcode_token,
        ethnicity_code_system,
        ethnicity_code,
        '{{ model_meta(model, 'retention_class') }}' as retention_class
    from {{ ref(model) }}
    where is_current_version and quarantine_reason is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

commissions as (
    select * from {{ ref('commissions') }}
),

retention_schedule as (
    select * from {{ ref('retention_schedule') }}
),

retention_exceptions as (
    select * from {{ ref('retention_exceptions') }}
),

postcodes as (
    select * from {{ ref('stg_ons__postcode_directory') }}
),

properties as (
    select * from {{ ref('stg_llpg__properties') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
),

output_areas as (
    select * from {{ ref('stg_ons__output_areas') }}
),

active_exceptions as (
    select
        commission_id,
        retention_class,
        max(extended_until) as extended_until,
        max(review_date) as review_date
    from retention_exceptions
    where review_date >= date '{{ as_of_date() }}'
    group by commission_id, retention_class
),

retained as (
    select
        person_records.*,
        {{ retention_expiry_date(
            'cast(person_records.extracted_at as date)', 'retention_schedule.retention_years',
            'retention_schedule.retention_trigger', 'commissions.close_date',
            'coalesce(class_exception.extended_until, commission_exception.extended_until)',
            'coalesce(class_exception.review_date, commission_exception.review_date)',
            "date '" ~ as_of_date() ~ "'"
        ) }} as retention_expires_on
    from person_records
    inner join commissions
        on person_records.commission_id = commissions.commission_id
    inner join retention_schedule
        on person_records.retention_class = retention_schedule.retention_class
    left join active_exceptions as class_exception
        on
            person_records.commission_id = class_exception.commission_id
            and person_records.retention_class = class_exception.retention_class
    left join active_exceptions as commission_exception
        on
            person_records.commission_id = commission_exception.commission_id
            and commission_exception.retention_class is null
),

located as (
    select
        retained.*,
        properties.postcode_token as property_postcode_token,
        coalesce(by_postcode.oa21_code, by_property.oa21_code) as oa21_code
    from retained
    left join postcodes as by_postcode
        on
            retained.commission_id = by_postcode.commission_id
            and retained.postcode_token = by_postcode.postcode_token
    left join properties
        on
            retained.commission_id = properties.commission_id
            and retained.uprn_token = properties.uprn_token
    left join postcodes as by_property
        on
            properties.commission_id = by_property.commission_id
            and properties.postcode_token = by_property.postcode_token
),

geocoded as (
    select
        {%- for column in spine_columns %}
        located.{{ column }},
        {%- endfor %}
        -- a record without a valid postcode takes its property's, from the LLPG
        coalesce(located.postcode_token, located.property_postcode_token) as postcode_token,
        ethnicity_codes.census_ethnic_group_code,
        coalesce(ethnicity_codes.ethnic_group, 'Not known') as ethnic_group,
        output_areas.lsoa21_code,
        output_areas.ward_code,
        located.oa21_code is not null as is_geocoded
    from located
    left join output_areas
        on located.oa21_code = output_areas.oa21_code
    left join ethnicity_codes
        on
            located.ethnicity_code_system = ethnicity_codes.code_system
            and upper(located.ethnicity_code) = upper(ethnicity_codes.source_code)
    where located.retention_expires_on >= date '{{ as_of_date() }}'
)

select * from geocoded
