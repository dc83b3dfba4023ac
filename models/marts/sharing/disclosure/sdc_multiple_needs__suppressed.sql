{#- Primary and secondary suppression of every count the multiple needs
    family of sharing outputs publishes (households known to 1, 2, 3 and 4+
    targeted services, their total and the households with multiple needs,
    by ward and by IMD decile), computed together per commission and
    threshold (sharing_partitions). Shares publish households placed in an
    area, so the borough cell is the located total. Constraints:
        per area (borough, ward, decile):  known = 1 + 2 + 3 + 4+,
                                           multiple = 2 + 3 + 4+;
        per measure:                       borough = sum of wards
                                           = sum of deciles.
    Bands are suppressed before totals, and wards and deciles before the
    borough. -#}

{%- set measures = multiple_needs_measures() %}

with

partitions as (
    {{ sharing_partitions() }}
),

ward_needs as (
    select * from {{ ref('ward_multiple_needs') }}
),

decile_needs as (
    select * from {{ ref('imd_decile_multiple_needs') }}
),

counts as (
    {{ sdc_cell_counts('ward_needs', measures, 'ward', 'ward_code') }}
    union all
    {{ sdc_cell_counts('decile_needs', measures, 'imd_decile', 'cast(imd_decile as varchar)') }}
    union all
    {{ sdc_cell_counts('ward_needs', measures, 'borough', 'ward_code', total=true) }}
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'area_level', 'area_code'],
        secondary_priority="case when counts.area_level = 'borough' then 30 else 20 end
        + case when counts.measure in ('known', 'multiple') then 1 else 0 end"
    ) }}
),

memberships as (
    {{ multiple_needs_band_constraints('cells') }}
    union all
    -- per measure: borough = sum of wards
    select
        partition_id,
        measure || '|wards' as constraint_id,
        cell_id
    from cells
    where area_level in ('borough', 'ward')
    union all
    -- per measure: borough = sum of deciles
    select
        partition_id,
        measure || '|imd_deciles' as constraint_id,
        cell_id
    from cells
    where area_level in ('borough', 'imd_decile')
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    {{ sdc_suppressed_cells('cells', ['measure', 'area_level', 'area_code']) }}
)

select * from suppressed
