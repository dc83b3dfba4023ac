{#- Households known to 1, 2, 3 and 4 or more targeted services, by the
    national IMD 2025 decile of the LSOA they are placed in (imd_decile null
    for households not located), with the rate of households with multiple
    needs per 1,000 census households of the decile's LSOAs, its 95% Wilson
    score interval and the comparison with the borough. -#}

with

households as (
    select * from {{ ref('int_households__located') }}
),

lsoas as (
    select * from {{ ref('int_lsoa__described') }}
),

commissions as (
    select distinct commission_id
    from households
),

deciles as (
    select
        imd_decile,
        count(*) as lsoa_count,
        sum(household_count) as household_count
    from lsoas
    group by imd_decile
),

decile_areas as (
    select
        commissions.commission_id,
        deciles.imd_decile,
        deciles.lsoa_count,
        deciles.household_count
    from commissions
    cross join deciles
    union all
    select
        commission_id,
        null as imd_decile,
        null as lsoa_count,
        null as household_count
    from commissions
),

placed_households as (
    select
        households.commission_id,
        households.targeted_service_count,
        lsoas.imd_decile
    from households
    left join lsoas
        on households.lsoa21_code = lsoas.lsoa21_code
    where households.targeted_service_count >= 1
),

needs_by_decile as (
    select
        commission_id,
        imd_decile,
        {{ households_by_band() }}
    from placed_households
    group by commission_id, imd_decile
),

borough_benchmarks as (
    select
        commission_id,
        sum(multiple_needs_households_count) filter (where imd_decile is not null) as multiple_needs_households_count,
        (select sum(lsoas.household_count) from lsoas) as household_count
    from needs_by_decile
    group by commission_id
),

counted as (
    select
        decile_areas.commission_id,
        borough_benchmarks.household_count as borough_household_count,
        cast(decile_areas.imd_decile as integer) as imd_decile,
        cast(decile_areas.lsoa_count as bigint) as lsoa_count,
        {{ households_by_band_or_zero('needs_by_decile') }},
        cast(decile_areas.household_count as bigint) as household_count,
        coalesce(borough_benchmarks.multiple_needs_households_count, 0) as borough_multiple_needs_households_count
    from decile_areas
    left join needs_by_decile
        on
            decile_areas.commission_id = needs_by_decile.commission_id
            and decile_areas.imd_decile is not distinct from needs_by_decile.imd_decile
    left join borough_benchmarks
        on decile_areas.commission_id = borough_benchmarks.commission_id
),

rated as (
    select
        commission_id,
        imd_decile,
        lsoa_count,
        {{ multiple_needs_columns() }},
        household_count,
        {{ rate_per_1000_columns('multiple_needs', 'multiple_needs_households_count', 'household_count') }}
    from counted
)

select * from rated
