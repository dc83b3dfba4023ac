{#- Census 2021 usual residents of each LSOA by one characteristic at a
    time, in long format: sex, age band (18 five-year bands), high-level
    ethnic group and the 19 census ethnic groups. The denominators of the
    equalities marts. -#}

with

census_age_sex as (
    select * from {{ ref('stg_ons__census_age_sex') }}
),

census_ethnic_group as (
    select * from {{ ref('stg_ons__census_ethnic_group') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
),

census_ethnic_groups as (
    select distinct
        census_ethnic_group_code,
        ethnic_group
    from ethnicity_codes
    where code_system = 'census_2021'
),

by_sex as (
    select
        lsoa21_code,
        'sex' as characteristic,
        sex as category_code,
        case sex when 'F' then 'Female' when 'M' then 'Male' end as category_label,
        1 as category_order,
        sum(resident_count) as resident_count
    from census_age_sex
    group by lsoa21_code, sex
),

by_age_band as (
    select
        lsoa21_code,
        'age_band' as characteristic,
        cast(age_band_code as varchar) as category_code,
        min(age_band_label) as category_label,
        age_band_code as category_order,
        sum(resident_count) as resident_count
    from census_age_sex
    group by lsoa21_code, age_band_code
),

by_ethnic_group as (
    select
        census_ethnic_group.lsoa21_code,
        'ethnic_group' as characteristic,
        census_ethnic_groups.ethnic_group as category_code,
        census_ethnic_groups.ethnic_group as category_label,
        1 as category_order,
        sum(census_ethnic_group.resident_count) as resident_count
    from census_ethnic_group
    inner join census_ethnic_groups
        on census_ethnic_group.census_ethnic_group_code = census_ethnic_groups.census_ethnic_group_code
    group by census_ethnic_group.lsoa21_code, census_ethnic_groups.ethnic_group
),

by_detailed_ethnic_group as (
    select
        lsoa21_code,
        'ethnic_group_detailed' as characteristic,
        cast(census_ethnic_group_code as varchar) as category_code,
        min(census_ethnic_group_label) as category_label,
        census_ethnic_group_code as category_order,
        sum(resident_count) as resident_count
    from census_ethnic_group
    group by lsoa21_code, census_ethnic_group_code
),

unioned as (
    select * from by_sex
    union all
    select * from by_age_band
    union all
    select * from by_ethnic_group
    union all
    select * from by_detailed_ethnic_group
),

typed as (
    select
        lsoa21_code,
        characteristic,
        category_code,
        category_label,
        cast(category_order as integer) as category_order,
        cast(resident_count as bigint) as resident_count
    from unioned
)

select * from typed
