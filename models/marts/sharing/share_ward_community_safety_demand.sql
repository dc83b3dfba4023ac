{#- ward_community_safety_demand for approved recipients (community safety
    partners), disclosure-controlled: people and households known to
    community safety placed in each ward, and of those households the ones
    also known to another targeted service, rounded, withheld and marked
    when suppressed (under the same suppression as the service demand
    shares, so the figures never disagree), with rates, intervals,
    comparisons and shares withheld with their counts. -#}

with

approvals as (
    {{ sharing_approvals_for('ward_community_safety_demand') }}
),

demand as (
    select * from {{ ref('ward_community_safety_demand') }}
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

shared as (
    select
        {{ sharing_approval_columns() }},
        demand.ward_code,
        demand.ward_name,
        demand.resident_count,
        demand.household_count,
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
        {{ sdc_withheld(
            'demand.households_with_other_needs_share',
            '(ward_cells.is_households_with_other_needs_suppressed or ward_cells.is_households_suppressed)'
        ) }} as households_with_other_needs_share,
        {{ sdc_rate_columns(
            'people_known', 'demand', 'ward_cells.is_people_suppressed', 'borough_cells.is_people_suppressed'
        ) }},
        {{ sdc_rate_columns(
            'households_known', 'demand', 'ward_cells.is_households_suppressed', 'borough_cells.is_households_suppressed'
        ) }}
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'demand', ['ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand') }}
)

select * from shared
