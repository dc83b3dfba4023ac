{#- borough_service_demand for approved recipients, disclosure-controlled:
    people and households known to each service and placed in a ward (the
    total the ward and LSOA shares add up to; those not located are not
    released), rounded, withheld and marked when suppressed, with rates per
    1,000 residents (households) and 95% Wilson score intervals computed
    from the published counts (withheld with them). -#}

{%- set measures = service_demand_measures() %}

with

approvals as (
    {{ sharing_approvals_for('borough_service_demand') }}
),

demand as (
    select * from {{ ref('borough_service_demand') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', measures, ['service_code']) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        demand.service_code,
        demand.service_name,
        demand.owning_service,
        demand.resident_count,
        demand.household_count,
        {{ sharing_count_columns(measures, 'borough_cells') }}
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand', ['service_code']) }}
),

rated as (
    -- from the published counts only
    select
        *,
        {{ rate_per_1000_interval_columns('people_known', 'people_known_count', 'resident_count') }},
        {{ rate_per_1000_interval_columns('households_known', 'households_known_count', 'household_count') }}
    from published
)

select * from rated
