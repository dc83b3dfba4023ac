with

wards as (
    select * from {{ ref('int_ward__described') }}
),

described as (
    select
        ward_code,
        ward_name,
        lad_code,
        lad_name,
        lsoa_count,
        resident_count,
        household_count,
        resident_aged_0_to_14_count,
        resident_aged_15_to_64_count,
        resident_aged_65_plus_count
    from wards
)

select * from described
