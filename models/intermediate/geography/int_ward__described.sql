with

wards as (
    select * from {{ ref('stg_ons__wards') }}
),

lsoas as (
    select * from {{ ref('int_lsoa__described') }}
),

totals as (
    select
        ward_code,
        cast(count(*) as bigint) as lsoa_count,
        cast(sum(resident_count) as bigint) as resident_count,
        cast(sum(household_count) as bigint) as household_count,
        cast(sum(resident_aged_0_to_14_count) as bigint) as resident_aged_0_to_14_count,
        cast(sum(resident_aged_15_to_64_count) as bigint) as resident_aged_15_to_64_count,
        cast(sum(resident_aged_65_plus_count) as bigint) as resident_aged_65_plus_count
    from lsoas
    group by ward_code
),

described as (
    select
        wards.ward_code,
        wards.ward_name,
        wards.lad_code,
        wards.lad_name,
        coalesce(totals.lsoa_count, 0) as lsoa_count,
        coalesce(totals.resident_count, 0) as resident_count,
        coalesce(totals.household_count, 0) as household_count,
        coalesce(totals.resident_aged_0_to_14_count, 0) as resident_aged_0_to_14_count,
        coalesce(totals.resident_aged_15_to_64_count, 0) as resident_aged_15_to_64_count,
        coalesce(totals.resident_aged_65_plus_count, 0) as resident_aged_65_plus_count
    from wards
    left join totals
        on wards.ward_code = totals.ward_code
)

select * from described
