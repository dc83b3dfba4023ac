{#- lsoa_service_demand for approved recipients, disclosure-controlled:
    people and households placed in each LSOA where a service knows anyone,
    rounded, with suppressed counts withheld and marked (secondary
    suppression keeps every LSOA's count from being recovered from its
    ward's), and rates, intervals and comparisons withheld with their count. -#}

with

approvals as (
    {{ sharing_approvals_for('lsoa_service_demand') }}
),

demand as (
    select * from {{ ref('lsoa_service_demand') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

lsoa_cells as (
    {{ sdc_cell_flags('suppression', 'lsoa', ['people', 'households'], ['service_code'], 'lsoa21_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', ['people', 'households'], ['service_code']) }}
),

shared as (
    select
        {{ sharing_approval_columns() }},
        demand.service_code,
        demand.service_name,
        demand.lsoa21_code,
        demand.lsoa21_name,
        demand.ward_code,
        demand.ward_name,
        demand.imd_decile,
        demand.resident_count,
        demand.household_count,
        {{ sdc_count_columns(
            'people_known_count', 'demand.people_known_count', 'lsoa_cells.is_people_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'households_known_count', 'demand.households_known_count', 'lsoa_cells.is_households_suppressed',
            'approvals.rounding_base'
        ) }},
        {{ sdc_rate_columns(
            'people_known', 'demand', 'lsoa_cells.is_people_suppressed', 'borough_cells.is_people_suppressed'
        ) }},
        {{ sdc_rate_columns(
            'households_known', 'demand', 'lsoa_cells.is_households_suppressed', 'borough_cells.is_households_suppressed'
        ) }}
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join lsoa_cells
        on {{ sharing_cells_match('lsoa_cells', 'demand', ['service_code', 'lsoa21_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand', ['service_code']) }}
)

select * from shared
