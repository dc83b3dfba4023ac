{#- borough_service_demand for approved recipients, disclosure-controlled:
    people and households known to each service and placed in a ward (the
    total the ward and LSOA shares add up to; those not located are not
    released), rounded, withheld and marked when suppressed, with rates per
    1,000 residents (households) and 95% Wilson score intervals computed
    from the unrounded counts and withheld with them. -#}

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
        demand.owning_service,
        demand.resident_count,
        demand.household_count,
        {{ sdc_count_columns(
            'people_known_count', 'demand.located_people_count', 'borough_cells.is_people_suppressed',
            'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'households_known_count', 'demand.located_households_count', 'borough_cells.is_households_suppressed',
            'approvals.rounding_base'
        ) }},
        {{ sdc_withheld('demand.located_people_rate_per_1000', 'borough_cells.is_people_suppressed') }}
            as people_known_rate_per_1000,
        {{ sdc_withheld(
            'round(1000.0 * ' ~ wilson_interval('demand.located_people_count', 'demand.resident_count', 'lower') ~ ', 2)',
            'borough_cells.is_people_suppressed'
        ) }} as people_known_rate_per_1000_ci_lower,
        {{ sdc_withheld(
            'round(1000.0 * ' ~ wilson_interval('demand.located_people_count', 'demand.resident_count', 'upper') ~ ', 2)',
            'borough_cells.is_people_suppressed'
        ) }} as people_known_rate_per_1000_ci_upper,
        {{ sdc_withheld('demand.located_households_rate_per_1000', 'borough_cells.is_households_suppressed') }}
            as households_known_rate_per_1000,
        {{ sdc_withheld(
            'round(1000.0 * ' ~ wilson_interval('demand.located_households_count', 'demand.household_count', 'lower') ~ ', 2)',
            'borough_cells.is_households_suppressed'
        ) }} as households_known_rate_per_1000_ci_lower,
        {{ sdc_withheld(
            'round(1000.0 * ' ~ wilson_interval('demand.located_households_count', 'demand.household_count', 'upper') ~ ', 2)',
            'borough_cells.is_households_suppressed'
        ) }} as households_known_rate_per_1000_ci_upper
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join borough_cells
        on
            approvals.commission_id = borough_cells.commission_id
            and approvals.suppress_up_to = borough_cells.suppress_up_to
            and demand.service_code = borough_cells.service_code
)

select * from shared
