with

source as (
    select * from {{ source('ons', 'oa_lsoa_msoa_lookup') }}
),

renamed as (
    select
        oa21cd as oa21_code,
        lsoa21cd as lsoa21_code,
        lsoa21nm as lsoa21_name,
        msoa21cd as msoa21_code,
        msoa21nm as msoa21_name,
        wd22cd as ward_code,
        lad22cd as lad_code,
        lad22nm as lad_name
    from source
)

select * from renamed
