{#- Households known to 1, 2, 3 and 4 or more targeted services by
    commercial household segment group (Demograph Neighbourhood Lifestyles,
    licence commercial: shared only with recipients the licence clears).
    There is no census count of households by segment, so the denominator is
    the linked households of the segment (households known to any service,
    universal ones included: nearly every household, through council tax). -#}

with

households as (
    select * from {{ ref('int_households__segmented') }}
),

segments as (
    select distinct
        commission_id,
        segment_group_code,
        segment_group_name
    from households
),

needs_by_segment as (
    select
        commission_id,
        segment_group_code,
        count(*) as linked_household_count,
        {{ households_by_band() }}
    from households
    group by commission_id, segment_group_code
),

borough_benchmarks as (
    select
        commission_id,
        sum(multiple_needs_households_count) filter (
            where segment_group_code is not null
        ) as multiple_needs_households_count,
        sum(linked_household_count) filter (where segment_group_code is not null) as linked_household_count
    from needs_by_segment
    group by commission_id
),

counted as (
    select
        needs_by_segment.commission_id,
        needs_by_segment.segment_group_code,
        borough_benchmarks.linked_household_count as borough_linked_household_count,
        cast(needs_by_segment.linked_household_count as bigint) as linked_household_count,
        {{ households_by_band_or_zero('needs_by_segment') }},
        coalesce(segments.segment_group_name, 'Not known') as segment_group_name,
        coalesce(borough_benchmarks.multiple_needs_households_count, 0) as borough_multiple_needs_households_count
    from needs_by_segment
    inner join segments
        on
            needs_by_segment.commission_id = segments.commission_id
            and needs_by_segment.segment_group_code is not distinct from segments.segment_group_code
    left join borough_benchmarks
        on needs_by_segment.commission_id = borough_benchmarks.commission_id
),

rated as (
    select
        commission_id,
        segment_group_code,
        segment_group_name,
        linked_household_count,
        {{ multiple_needs_columns() }},
        {{ rate_per_1000_columns('multiple_needs', 'multiple_needs_households_count', 'linked_household_count') }}
    from counted
)

select * from rated
