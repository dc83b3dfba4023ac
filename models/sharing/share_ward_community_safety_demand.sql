{#- ward_community_safety_demand for approved recipients (community safety
    partners), disclosure-controlled: people and households known to
    community safety placed in each ward, and of those households the ones
    also known to another targeted service, rounded, withheld and marked
    when suppressed (under the same suppression as the service demand
    shares, so the figures never disagree), beside the borough's published
    counts and census denominators; rates, intervals, comparisons and the
    share of households with other needs are computed from those published
    counts (withheld with them). -#}

with

approvals as (
    {{ sharing_approvals_for('ward_community_safety_demand') }}
),

demand as (
    select * from {{ ref('ward_community_safety_demand') }}
),

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
    where service_code = 'community_safety'
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

ward_cells as (
    {{ sdc_cell_flags(
        'suppression', 'ward', ['people', 'households', 'households_with_other_needs'],
        area_code='ward_code', where="service_code = 'community_safety'"
    ) }}
),

borough_cells as (
    {{ sdc_cell_flags(
        'suppression', 'borough', ['people', 'households'], where="service_code = 'community_safety'"
    ) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        demand.ward_code,
        demand.ward_name,
        demand.resident_count,
        demand.household_count,
        borough_demand.resident_count as borough_resident_count,
        borough_demand.household_count as borough_household_count,
        {{ sdc_count_columns(
            'people_known_count', 'demand.people_known_count', 'ward_cells.is_people_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'households_known_count', 'demand.households_known_count', 'ward_cells.is_households_suppressed',
            'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'households_with_other_needs_count', 'demand.households_with_other_needs_count',
            'ward_cells.is_households_with_other_needs_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'borough_people_known_count', 'borough_cells.people_value', 'borough_cells.is_people_suppressed',
            'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'borough_households_known_count', 'borough_cells.households_value', 'borough_cells.is_households_suppressed',
            'approvals.rounding_base'
        ) }}
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join borough_demand
        on demand.commission_id = borough_demand.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'demand', ['ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand') }}
),

rated as (
    -- from the published counts only
    select
        *,
        {{ share_of_total('households_with_other_needs_count', 'households_known_count') }}
            as households_with_other_needs_share,
        {{ rate_per_1000_columns(
            'people_known', 'people_known_count', 'resident_count',
            'borough_people_known_count', 'borough_resident_count'
        ) }},
        {{ rate_per_1000_columns(
            'households_known', 'households_known_count', 'household_count',
            'borough_households_known_count', 'borough_household_count'
        ) }}
    from published
)

select * from rated
