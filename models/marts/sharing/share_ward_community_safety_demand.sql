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
    select
        commission_id,
        suppress_up_to,
        area_code as ward_code,
        bool_or(is_suppressed) filter (where measure = 'people') as is_people_suppressed,
        bool_or(is_suppressed) filter (where measure = 'households') as is_households_suppressed,
        bool_or(is_suppressed) filter (where measure = 'households_with_other_needs') as is_other_needs_suppressed
    from suppression
    where area_level = 'ward' and service_code = 'community_safety'
    group by commission_id, suppress_up_to, area_code
),

borough_cells as (
    select
        commission_id,
        suppress_up_to,
        bool_or(is_suppressed) filter (where measure = 'people') as is_people_suppressed,
        bool_or(is_suppressed) filter (where measure = 'households') as is_households_suppressed
    from suppression
    where area_level = 'borough' and service_code = 'community_safety'
    group by commission_id, suppress_up_to
),

shared as (
    select
        approvals.recipient_type,
        approvals.commission_id,
        approvals.approval_id,
        approvals.disclosure_rule_id,
        approvals.suppress_up_to,
        approvals.rounding_base,
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
            'ward_cells.is_other_needs_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_withheld(
            'demand.households_with_other_needs_share',
            '(ward_cells.is_other_needs_suppressed or ward_cells.is_households_suppressed)'
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
        on
            approvals.commission_id = ward_cells.commission_id
            and approvals.suppress_up_to = ward_cells.suppress_up_to
            and demand.ward_code = ward_cells.ward_code
    inner join borough_cells
        on
            approvals.commission_id = borough_cells.commission_id
            and approvals.suppress_up_to = borough_cells.suppress_up_to
)

select * from shared
