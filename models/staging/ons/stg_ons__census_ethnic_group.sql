with

source as (
    select * from {{ source('ons', 'census2021_ethnic_group_lsoa') }}
),

renamed as (
    select
        "Lower layer Super Output Areas Code" as lsoa21_code,
        cast("Ethnic group (20 categories) Code" as integer) as census_ethnic_group_code,
        "Ethnic group (20 categories)" as census_ethnic_group_label,
        cast(observation as integer) as resident_count
    from source
),

applicable as (
    -- -8 "Does not apply" counts no usual residents; it is not an ethnic group
    select * from renamed
    where census_ethnic_group_code > 0
)

select * from applicable
