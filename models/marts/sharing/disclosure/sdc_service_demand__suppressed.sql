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

{%- set known = [('people', 'people_known_count'), ('households', 'households_known_count')] %}
{%- set located = [('people', 'located_people_count'), ('households', 'located_households_count')] %}
{%- set other_needs = [('households_with_other_needs', 'households_with_other_needs_count')] %}
{%- set by_service = ['service_code', 'cast(null as varchar) as parent_area_code'] %}
{%- set community_safety = ["'community_safety' as service_code", 'cast(null as varchar) as parent_area_code'] %}

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
    -- people and households known to each service: the located borough
    -- total, each ward and each LSOA (with its ward as parent)
    {{ sdc_cell_counts('borough_demand', located, 'borough', columns=by_service) }}
    union all
    {{ sdc_cell_counts('ward_demand', known, 'ward', 'ward_code', columns=by_service) }}
    union all
    {{ sdc_cell_counts(
        'lsoa_demand', known, 'lsoa', 'lsoa21_code', columns=['service_code', 'ward_code as parent_area_code']
    ) }}
    union all
    -- community safety households with other needs: each ward and their total
    {{ sdc_cell_counts('community_safety_demand', other_needs, 'ward', 'ward_code', columns=community_safety) }}
    union all
    {{ sdc_cell_counts(
        'community_safety_demand', other_needs, 'borough', 'ward_code', columns=community_safety, total=true
    ) }}
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'service_code', 'area_level', 'area_code'],
        secondary_priority="case counts.area_level when 'lsoa' then 1 when 'ward' then 2 else 3 end",
        columns=['parent_area_code']
    ) }}
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
    {{ sdc_suppressed_cells('cells', ['measure', 'service_code', 'area_level', 'area_code']) }}
)

select * from suppressed
