with

source as (
    select * from {{ source('ons', 'census2021_age_sex_lsoa') }}
),

renamed as (
    select
        "Lower layer Super Output Areas Code" as lsoa21_code,
        cast("Age (18 categories) Code" as integer) as age_band_code,
        "Age (18 categories)" as age_band_label,
        cast(observation as integer) as resident_count,
        case "Sex (2 categories) Code" when '1' then 'F' when '2' then 'M' end as sex
    from source
),

banded as (
    select
        *,
        (age_band_code - 1) * 5 as age_band_lower_year,
        case when age_band_code < 18 then age_band_code * 5 - 1 end as age_band_upper_year
    from renamed
)

select * from banded
