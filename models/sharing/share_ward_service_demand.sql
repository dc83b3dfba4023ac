{#- ward_service_demand for approved recipients, disclosure-controlled:
    people and households placed in each ward (those not located are not
    released), rounded, with suppressed counts withheld and marked, beside
    the borough's published counts and census denominators; rates,
    intervals and comparisons are computed from those published counts
    (withheld with them), so each follows from what the share releases. -#}

with

approvals as (
    {{ sharing_approvals_for('ward_service_demand') }}
),

demand as (
    select * from {{ ref('ward_service_demand') }}
),

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

ward_cells as (
    {{ sdc_cell_flags('suppression', 'ward', ['people', 'households'], ['service_code'], 'ward_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', ['people', 'households'], ['service_code']) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        demand.service_code,
        demand.service_name,
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
        on
            demand.commission_id = borough_demand.commission_id
            and demand.service_code = borough_demand.service_code
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'demand', ['service_code', 'ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand', ['service_code']) }}
),

rated as (
    -- from the published counts only
    select
        *,
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
