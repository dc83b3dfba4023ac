{#- Primary and secondary suppression of every count the service demand
    family of sharing outputs publishes (share_borough_service_demand,
    share_ward_service_demand, share_lsoa_service_demand,
    share_ward_community_safety_demand), computed together so the tables
    never disagree. One suppression table per commission and threshold in
    use (sharing_partitions). Shares publish people and households placed in
    an area: the borough cell is the located total, so
        borough = sum of its wards, and ward = sum of its LSOAs,
    for people and households known to each service, and borough = sum of
    wards for community safety households with other needs. Cells are
    suppressed first at the lowest level (LSOA, then ward, then borough). -#}

with

partitions as (
    {{ sharing_partitions() }}
),

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
),

ward_demand as (
    select * from {{ ref('ward_service_demand') }}
),

lsoa_demand as (
    select * from {{ ref('lsoa_service_demand') }}
),

community_safety_demand as (
    select * from {{ ref('ward_community_safety_demand') }}
),

counts as (
    {%- for measure, borough_column, area_column in [
        ('people', 'located_people_count', 'people_known_count'),
        ('households', 'located_households_count', 'households_known_count'),
    ] %}
    select
        commission_id,
        '{{ measure }}' as measure,
        service_code,
        'borough' as area_level,
        cast(null as varchar) as area_code,
        cast(null as varchar) as parent_area_code,
        {{ borough_column }} as cell_value
    from borough_demand
    union all
    select
        commission_id,
        '{{ measure }}' as measure,
        service_code,
        'ward' as area_level,
        ward_code as area_code,
        cast(null as varchar) as parent_area_code,
        {{ area_column }} as cell_value
    from ward_demand
    where ward_code is not null
    union all
    select
        commission_id,
        '{{ measure }}' as measure,
        service_code,
        'lsoa' as area_level,
        lsoa21_code as area_code,
        ward_code as parent_area_code,
        {{ area_column }} as cell_value
    from lsoa_demand
    union all
    {%- endfor %}
    select
        commission_id,
        'households_with_other_needs' as measure,
        'community_safety' as service_code,
        'ward' as area_level,
        ward_code as area_code,
        cast(null as varchar) as parent_area_code,
        households_with_other_needs_count as cell_value
    from community_safety_demand
    where ward_code is not null
    union all
    select
        commission_id,
        'households_with_other_needs' as measure,
        'community_safety' as service_code,
        'borough' as area_level,
        cast(null as varchar) as area_code,
        cast(null as varchar) as parent_area_code,
        sum(households_with_other_needs_count) as cell_value
    from community_safety_demand
    where ward_code is not null
    group by commission_id
),

cells as (
    select
        partitions.partition_id,
        partitions.commission_id,
        partitions.suppress_up_to,
        counts.measure,
        counts.service_code,
        counts.area_level,
        counts.area_code,
        counts.parent_area_code,
        concat_ws('|', counts.measure, counts.service_code, counts.area_level, coalesce(counts.area_code, ''))
            as cell_id,
        cast(counts.cell_value as bigint) as cell_value,
        {{ sdc_is_suppressed('counts.cell_value', 'partitions.suppress_up_to') }} as is_suppressed,
        case counts.area_level when 'lsoa' then 1 when 'ward' then 2 else 3 end as secondary_priority
    from counts
    inner join partitions
        on counts.commission_id = partitions.commission_id
),

memberships as (
    -- borough = sum of its wards
    select
        partition_id,
        measure || '|' || service_code || '|borough' as constraint_id,
        cell_id
    from cells
    where area_level in ('borough', 'ward')
    union all
    -- ward = sum of its LSOAs
    select
        partition_id,
        measure || '|' || service_code || '|ward|' || coalesce(parent_area_code, area_code) as constraint_id,
        cell_id
    from cells
    where area_level = 'lsoa' or (area_level = 'ward' and measure in ('people', 'households'))
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    select
        cells.partition_id,
        cells.commission_id,
        cells.suppress_up_to,
        cells.measure,
        cells.service_code,
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
