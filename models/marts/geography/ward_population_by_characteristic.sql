{#- Census 2021 usual residents of each ward by sex, age band, high-level
    and detailed ethnic group (long format, one characteristic at a time),
    summed from its LSOAs, with each category's share of the ward. The
    companion of dim_ward for equalities dashboards; the LSOA detail is in
    int_lsoa__population_by_characteristic. -#}

with

population as (
    select * from {{ ref('int_lsoa__population_by_characteristic') }}
),

lsoas as (
    select * from {{ ref('int_lsoa__described') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

by_ward as (
    select
        lsoas.ward_code,
        population.characteristic,
        population.category_code,
        min(population.category_label) as category_label,
        min(population.category_order) as category_order,
        sum(population.resident_count) as resident_count
    from population
    inner join lsoas
        on population.lsoa21_code = lsoas.lsoa21_code
    group by lsoas.ward_code, population.characteristic, population.category_code
),

described as (
    select
        by_ward.ward_code,
        wards.ward_name,
        by_ward.characteristic,
        by_ward.category_code,
        by_ward.category_label,
        cast(by_ward.category_order as integer) as category_order,
        cast(by_ward.resident_count as bigint) as resident_count,
        round(
            cast(by_ward.resident_count as double)
            / nullif(sum(by_ward.resident_count) over (partition by by_ward.ward_code, by_ward.characteristic), 0),
            4
        ) as ward_share
    from by_ward
    inner join wards
        on by_ward.ward_code = wards.ward_code
)

select * from described
