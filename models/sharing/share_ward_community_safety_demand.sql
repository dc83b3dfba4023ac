{#- ward_community_safety_demand for approved recipients (community safety
    partners), disclosure-controlled: people and households known to
    community safety placed in each ward, and of those households the ones
    also known to another targeted service, rounded, withheld and marked
    when suppressed (under the same suppression as the service demand
    shares, so the figures never disagree), beside the borough's published
    counts and census denominators; rates, intervals, comparisons and the
    share of households with other needs are computed from those published
    counts (withheld with them). -#}

{%- set measures = service_demand_measures() %}
{%- set other_needs = [('households_with_other_needs', 'households_with_other_needs_count')] %}

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
        'suppression', 'ward', measures + other_needs, area_code='ward_code', where="service_code = 'community_safety'"
    ) }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', measures, where="service_code = 'community_safety'") }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        demand.ward_code,
        demand.ward_name,
        {{ service_demand_share_columns('demand', 'ward_cells', measures + other_needs) }}
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
        {{ service_demand_rate_columns() }}
    from published
)

select * from rated
