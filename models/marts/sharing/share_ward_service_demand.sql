{#- ward_service_demand for approved recipients, disclosure-controlled:
    people and households placed in each ward (those not located are not
    released), rounded, with suppressed counts withheld and marked, and
    rates, intervals and comparisons withheld with their count. -#}

with

approvals as (
    {{ sharing_approvals_for('ward_service_demand') }}
),

demand as (
    select * from {{ ref('ward_service_demand') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

ward_cells as (
    select
        commission_id,
        suppress_up_to,
        service_code,
        area_code as ward_code,
        bool_or(is_suppressed) filter (where measure = 'people') as is_people_suppressed,
        bool_or(is_suppressed) filter (where measure = 'households') as is_households_suppressed
    from suppression
    where area_level = 'ward' and measure in ('people', 'households')
    group by commission_id, suppress_up_to, service_code, area_code
),

borough_cells as (
    select
        commission_id,
        suppress_up_to,
        service_code,
        bool_or(is_suppressed) filter (where measure = 'people') as is_people_suppressed,
        bool_or(is_suppressed) filter (where measure = 'households') as is_households_suppressed
    from suppression
    where area_level = 'borough' and measure in ('people', 'households')
    group by commission_id, suppress_up_to, service_code
),

shared as (
    select
        approvals.recipient_type,
        approvals.commission_id,
        approvals.approval_id,
        approvals.disclosure_rule_id,
        approvals.suppress_up_to,
        approvals.rounding_base,
        demand.service_code,
        demand.service_name,
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
            and demand.service_code = ward_cells.service_code
            and demand.ward_code = ward_cells.ward_code
    inner join borough_cells
        on
            approvals.commission_id = borough_cells.commission_id
            and approvals.suppress_up_to = borough_cells.suppress_up_to
            and demand.service_code = borough_cells.service_code
)

select * from shared
