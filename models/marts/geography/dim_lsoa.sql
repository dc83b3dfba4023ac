with

lsoas as (
    select * from {{ ref('int_lsoa__described') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

described as (
    select
        lsoas.lsoa21_code,
        lsoas.lsoa21_name,
        lsoas.msoa21_code,
        lsoas.msoa21_name,
        lsoas.ward_code,
        wards.ward_name,
        lsoas.lad_code,
        lsoas.imd_score,
        lsoas.imd_rank,
        lsoas.imd_decile,
        lsoas.income_decile,
        lsoas.employment_decile,
        lsoas.idaci_decile,
        lsoas.idaopi_decile,
        lsoas.resident_count,
        lsoas.female_resident_count,
        lsoas.male_resident_count,
        lsoas.resident_aged_0_to_14_count,
        lsoas.resident_aged_15_to_64_count,
        lsoas.resident_aged_65_plus_count,
        lsoas.household_count
    from lsoas
    left join wards
        on lsoas.ward_code = wards.ward_code
)

select * from described
