with

source as (
    select * from {{ source('ons', 'census2021_households_lsoa') }}
),

renamed as (
    select
        "geography code" as lsoa21_code,
        cast("Number of households: Total; measures: Value" as integer) as household_count
    from source
)

select * from renamed
