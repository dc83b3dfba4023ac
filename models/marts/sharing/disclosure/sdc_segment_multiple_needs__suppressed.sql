{#- Primary and secondary suppression of every count the segment multiple
    needs sharing output publishes (households by number of targeted
    services known to, by commercial household segment group), per
    commission and threshold (sharing_partitions). Only households with a
    segment are released, so the borough cell is their total. Constraints:
        per area (borough, segment): known = 1 + 2 + 3 + 4+,
                                     multiple = 2 + 3 + 4+;
        per measure:                 borough = sum of segments.
    Kept apart from sdc_multiple_needs__suppressed so that outputs without
    the commercial segmentation do not carry its licence. -#}

{%- set measures = [
    ('linked', 'linked_household_count'),
    ('known', 'households_known_count'),
    ('band_1', 'known_to_1_service_count'),
    ('band_2', 'known_to_2_services_count'),
    ('band_3', 'known_to_3_services_count'),
    ('band_4_plus', 'known_to_4_plus_services_count'),
    ('multiple', 'multiple_needs_households_count'),
] %}

with

partitions as (
    {{ sharing_partitions() }}
),

segment_needs as (
    select * from {{ ref('segment_multiple_needs') }}
),

counts as (
    {%- for measure, column in measures %}
    select
        commission_id,
        '{{ measure }}' as measure,
        'segment' as area_level,
        segment_group_code as area_code,
        {{ column }} as cell_value
    from segment_needs
    where segment_group_code is not null
    union all
    select
        commission_id,
        '{{ measure }}' as measure,
        'borough' as area_level,
        cast(null as varchar) as area_code,
        sum({{ column }}) as cell_value
    from segment_needs
    where segment_group_code is not null
    group by commission_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cells as (
    select
        partitions.partition_id,
        partitions.commission_id,
        partitions.suppress_up_to,
        counts.measure,
        counts.area_level,
        counts.area_code,
        counts.measure || '|' || counts.area_level || '|' || coalesce(counts.area_code, '') as cell_id,
        cast(counts.cell_value as bigint) as cell_value,
        {{ sdc_is_suppressed('counts.cell_value', 'partitions.suppress_up_to') }} as is_suppressed,
        case when counts.area_level = 'borough' then 30 else 20 end
        + case when counts.measure in ('linked', 'known', 'multiple') then 1 else 0 end as secondary_priority
    from counts
    inner join partitions
        on counts.commission_id = partitions.commission_id
),

memberships as (
    -- per area: known = 1 + 2 + 3 + 4+
    select
        partition_id,
        'known|' || area_level || '|' || coalesce(area_code, '') as constraint_id,
        cell_id
    from cells
    where measure in ('known', 'band_1', 'band_2', 'band_3', 'band_4_plus')
    union all
    -- per area: multiple = 2 + 3 + 4+
    select
        partition_id,
        'multiple|' || area_level || '|' || coalesce(area_code, '') as constraint_id,
        cell_id
    from cells
    where measure in ('multiple', 'band_2', 'band_3', 'band_4_plus')
    union all
    -- per measure: borough = sum of segments
    select
        partition_id,
        measure || '|segments' as constraint_id,
        cell_id
    from cells
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    select
        cells.partition_id,
        cells.commission_id,
        cells.suppress_up_to,
        cells.measure,
        cells.area_level,
        cells.area_code,
        cells.cell_value,
        sdc_suppressed.is_suppressed,
        sdc_suppressed.suppressed_at_pass,
        sdc_suppressed.is_converged
    from cells
    inner join sdc_suppressed
        on
            cells.partition_id = sdc_suppressed.partition_id
            and cells.cell_id = sdc_suppressed.cell_id
)

select * from suppressed
