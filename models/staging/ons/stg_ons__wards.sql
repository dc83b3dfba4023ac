with

source as (
    select * from {{ source('ons', 'ward_lad_lookup') }}
),

renamed as (
    select
        wd22cd as ward_code,
        wd22nm as ward_name,
        lad22cd as lad_code,
        lad22nm as lad_name
    from source
)

select * from renamed
