{#- Households known to 1, 2, 3 and 4 or more targeted services, by ward
    (the row with ward_code null holds households not located), with the
    rate of households with multiple needs (2 or more) per 1,000 census
    households, its 95% Wilson score interval and the comparison with the
    borough (located households only). -#}

with

households as (
    select * from {{ ref('int_households__located') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

commissions as (
    select distinct commission_id
    from households
),

ward_areas as (
    {{ wards_and_not_known('commissions', ['commission_id'], 'wards', ['household_count']) }}
),

needs_by_ward as (
    select
        commission_id,
        ward_code,
        {{ households_by_band() }}
    from households
    where targeted_service_count >= 1
    group by commission_id, ward_code
),

borough_benchmarks as (
    select
        commission_id,
        sum(multiple_needs_households_count) filter (where ward_code is not null) as multiple_needs_households_count,
        (select sum(wards.household_count) from wards) as household_count
    from needs_by_ward
    group by commission_id
),

counted as (
    select
        ward_areas.commission_id,
        ward_areas.ward_code,
        ward_areas.ward_name,
        borough_benchmarks.household_count as borough_household_count,
        {{ households_by_band_or_zero('needs_by_ward') }},
        cast(ward_areas.household_count as bigint) as household_count,
        coalesce(borough_benchmarks.multiple_needs_households_count, 0) as borough_multiple_needs_households_count
    from ward_areas
    left join needs_by_ward
        on
            ward_areas.commission_id = needs_by_ward.commission_id
            and ward_areas.ward_code is not distinct from needs_by_ward.ward_code
    left join borough_benchmarks
        on ward_areas.commission_id = borough_benchmarks.commission_id
),

rated as (
    select
        commission_id,
        ward_code,
        ward_name,
        {{ multiple_needs_columns() }},
        household_count,
        {{ rate_per_1000_columns('multiple_needs', 'multiple_needs_households_count', 'household_count') }}
    from counted
)

select * from rated
