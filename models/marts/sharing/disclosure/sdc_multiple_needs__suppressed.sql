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

{%- set measures = [
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

ward_needs as (
    select * from {{ ref('ward_multiple_needs') }}
),

decile_needs as (
    select * from {{ ref('imd_decile_multiple_needs') }}
),

counts as (
    {%- for measure, column in measures %}
    select
        commission_id,
        '{{ measure }}' as measure,
        'ward' as area_level,
        ward_code as area_code,
        {{ column }} as cell_value
    from ward_needs
    where ward_code is not null
    union all
    select
        commission_id,
        '{{ measure }}' as measure,
        'imd_decile' as area_level,
        cast(imd_decile as varchar) as area_code,
        {{ column }} as cell_value
    from decile_needs
    where imd_decile is not null
    union all
    select
        commission_id,
        '{{ measure }}' as measure,
        'borough' as area_level,
        cast(null as varchar) as area_code,
        sum({{ column }}) as cell_value
    from ward_needs
    where ward_code is not null
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
        + case when counts.measure in ('known', 'multiple') then 1 else 0 end as secondary_priority
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
