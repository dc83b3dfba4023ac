{#- Primary and secondary suppression of every count the segment multiple
    needs sharing output publishes (households by number of targeted
    services known to, by commercial household segment group), per
    commission and threshold (sharing_partitions). Only households with a
    segment are released, so the borough cell is their total. Constraints:
        per area (borough, segment): known = 1 + 2 + 3 + 4+,
                                     multiple = 2 + 3 + 4+;
        per measure:                 borough = sum of segments;
        per band:                    located households (the borough cell of
                                     the household needs family) = those
                                     with a segment + those without.
    The last ties this family to sdc_multiple_needs__suppressed: where every
    located household has a segment the two borough totals are one number,
    published (or withheld) by the ward, decile and segment shares alike.
    The household needs family's cells keep its decision here (they are
    never chosen: its outputs go to recipients the commercial licence does
    not clear, so it cannot depend on the segmentation); this family
    withholds its own cells until no cell of either is recoverable from the
    totals the two publish. The households without a segment are published
    nowhere: a cell of those constraints, withheld when small, first chosen
    to cover another cell (unknown unless 0). Kept apart from
    sdc_multiple_needs__suppressed so that outputs without the commercial
    segmentation do not carry its licence. -#}

{%- set needs_measures = multiple_needs_measures() %}
{%- set measures = [('linked', 'linked_household_count')] + needs_measures %}

with

partitions as (
    {{ sharing_partitions() }}
),

segment_needs as (
    select * from {{ ref('segment_multiple_needs') }}
),

ward_needs as (
    select * from {{ ref('ward_multiple_needs') }}
),

needs_suppression as (
    select * from {{ ref('sdc_multiple_needs__suppressed') }}
),

located_totals as (
    {{ sdc_cell_counts('ward_needs', needs_measures, 'borough_located', 'ward_code', total=true) }}
),

segment_totals as (
    {{ sdc_cell_counts('segment_needs', measures, 'borough', 'segment_group_code', total=true) }}
),

unsegmented as (
    -- located households without a segment, per band
    select
        located_totals.commission_id,
        located_totals.measure,
        'unsegmented' as area_level,
        cast(null as varchar) as area_code,
        located_totals.cell_value - coalesce(segment_totals.cell_value, 0) as cell_value
    from located_totals
    left join segment_totals
        on
            located_totals.commission_id = segment_totals.commission_id
            and located_totals.measure = segment_totals.measure
),

counts as (
    {{ sdc_cell_counts('segment_needs', measures, 'segment', 'segment_group_code') }}
    union all
    select * from segment_totals
    union all
    select * from located_totals
    union all
    select * from unsegmented
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'area_level', 'area_code'],
        secondary_priority="case counts.area_level
            when 'unsegmented' then 0
            when 'segment' then 20
            when 'borough' then 30
        end
        + case when counts.measure in ('linked', 'known', 'multiple') then 1 else 0 end"
    ) }}
),

needs_borough as (
    -- the household needs family's decision on the located borough totals
    select
        partition_id,
        measure,
        is_suppressed
    from needs_suppression
    where area_level = 'borough'
),

fixed_cells as (
    select
        cells.partition_id,
        cells.cell_id,
        cells.cell_value,
        cells.secondary_priority,
        coalesce(needs_borough.is_suppressed, cells.is_suppressed) as is_suppressed
    from cells
    left join needs_borough
        on
            cells.partition_id = needs_borough.partition_id
            and cells.measure = needs_borough.measure
            and cells.area_level = 'borough_located'
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
    where area_level in ('borough', 'segment')
    union all
    -- per band: located households = those with a segment + those without
    select
        partition_id,
        measure || '|located' as constraint_id,
        cell_id
    from cells
    where area_level in ('borough_located', 'borough', 'unsegmented') and measure <> 'linked'
),

{{ sdc_secondary_suppression('fixed_cells', 'memberships') }},

suppressed as (
    {{ sdc_suppressed_cells('cells', ['measure', 'area_level', 'area_code']) }}
)

select * from suppressed
