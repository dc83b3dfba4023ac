with

source as (
    select * from {{ source('ons', 'postcode_directory') }}
),

renamed as (
    select
        {{ normalise_postcode('pcds') }} as postcode,
        oa21 as oa21_code,
        lsoa21 as lsoa21_code,
        msoa21 as msoa21_code,
        osward as ward_code,
        oslaua as lad_code,
        strptime(dointr, '%Y%m')::date as introduced_date,
        strptime(doterm, '%Y%m')::date as terminated_date
    from source
),

described as (
    select
        *,
        {{ postcode_district('postcode') }} as postcode_district,
        terminated_date is null as is_live
    from renamed
),

pseudonymised as (
    {{ pseudonymise_reference(
        'described',
        {'postcode_token': ['postcode', 'postcode']},
        ['postcode_district', 'oa21_code', 'lsoa21_code', 'msoa21_code', 'ward_code', 'lad_code',
         'introduced_date', 'terminated_date', 'is_live']
    ) }}
)

select * from pseudonymised
