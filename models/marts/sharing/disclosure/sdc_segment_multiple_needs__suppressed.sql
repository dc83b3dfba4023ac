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

{%- set measures = [('linked', 'linked_household_count')] + multiple_needs_measures() %}

with

partitions as (
    {{ sharing_partitions() }}
),

segment_needs as (
    select * from {{ ref('segment_multiple_needs') }}
),

counts as (
    {{ sdc_cell_counts('segment_needs', measures, 'segment', 'segment_group_code') }}
    union all
    {{ sdc_cell_counts('segment_needs', measures, 'borough', 'segment_group_code', total=true) }}
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'area_level', 'area_code'],
        secondary_priority="case when counts.area_level = 'borough' then 30 else 20 end
        + case when counts.measure in ('linked', 'known', 'multiple') then 1 else 0 end"
    ) }}
),

memberships as (
    {{ multiple_needs_band_constraints('cells') }}
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
    {{ sdc_suppressed_cells('cells', ['measure', 'area_level', 'area_code']) }}
)

select * from suppressed
