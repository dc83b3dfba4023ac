with

output_areas as (
    select * from {{ ref('stg_ons__output_areas') }}
),

deprivation as (
    select * from {{ ref('stg_mhclg__indices_of_deprivation') }}
),

census_age_sex as (
    select * from {{ ref('stg_ons__census_age_sex') }}
),

census_households as (
    select * from {{ ref('stg_ons__census_households') }}
),

lsoas as (
    select distinct
        lsoa21_code,
        lsoa21_name,
        msoa21_code,
        msoa21_name,
        ward_code,
        lad_code
    from output_areas
),

residents as (
    select
        lsoa21_code,
        cast(sum(resident_count) as bigint) as resident_count,
        cast(sum(resident_count) filter (where sex = 'F') as bigint) as female_resident_count,
        cast(sum(resident_count) filter (where sex = 'M') as bigint) as male_resident_count,
        cast(sum(resident_count) filter (where age_band_lower_year < 15) as bigint) as resident_aged_0_to_14_count,
        cast(sum(resident_count) filter (where age_band_lower_year between 15 and 64) as bigint)
            as resident_aged_15_to_64_count,
        cast(sum(resident_count) filter (where age_band_lower_year >= 65) as bigint) as resident_aged_65_plus_count
    from census_age_sex
    group by lsoa21_code
),

described as (
    select
        lsoas.lsoa21_code,
        lsoas.lsoa21_name,
        lsoas.msoa21_code,
        lsoas.msoa21_name,
        lsoas.ward_code,
        lsoas.lad_code,
        deprivation.imd_score,
        deprivation.imd_rank,
        deprivation.imd_decile,
        deprivation.income_decile,
        deprivation.employment_decile,
        deprivation.idaci_decile,
        deprivation.idaopi_decile,
        cast(coalesce(census_households.household_count, 0) as bigint) as household_count,
        coalesce(residents.resident_count, 0) as resident_count,
        coalesce(residents.female_resident_count, 0) as female_resident_count,
        coalesce(residents.male_resident_count, 0) as male_resident_count,
        coalesce(residents.resident_aged_0_to_14_count, 0) as resident_aged_0_to_14_count,
        coalesce(residents.resident_aged_15_to_64_count, 0) as resident_aged_15_to_64_count,
        coalesce(residents.resident_aged_65_plus_count, 0) as resident_aged_65_plus_count
    from lsoas
    left join deprivation
        on lsoas.lsoa21_code = deprivation.lsoa21_code
    left join residents
        on lsoas.lsoa21_code = residents.lsoa21_code
    left join census_households
        on lsoas.lsoa21_code = census_households.lsoa21_code
)

select * from described
