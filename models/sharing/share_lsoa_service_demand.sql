{#- lsoa_service_demand for approved recipients, disclosure-controlled:
    people and households placed in each LSOA where a service knows anyone,
    rounded, with suppressed counts withheld and marked (secondary
    suppression keeps every LSOA's count from being recovered from its
    ward's), beside the borough's published counts and census denominators;
    rates, intervals and comparisons are computed from those published
    counts (withheld with them). -#}

{%- set measures = service_demand_measures() %}

with

approvals as (
    {{ sharing_approvals_for('lsoa_service_demand') }}
),

demand as (
    select * from {{ ref('lsoa_service_demand') }}
),

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

lsoa_cells as (
    {{ sdc_cell_flags('suppression', 'lsoa', measures, ['service_code'], 'lsoa21_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', measures, ['service_code']) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        demand.service_code,
        demand.service_name,
        demand.lsoa21_code,
        demand.lsoa21_name,
        demand.ward_code,
        demand.ward_name,
        demand.imd_decile,
        {{ service_demand_share_columns('demand', 'lsoa_cells') }}
    from approvals
    inner join demand
        on approvals.commission_id = demand.commission_id
    inner join borough_demand
        on
            demand.commission_id = borough_demand.commission_id
            and demand.service_code = borough_demand.service_code
    inner join lsoa_cells
        on {{ sharing_cells_match('lsoa_cells', 'demand', ['service_code', 'lsoa21_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'demand', ['service_code']) }}
),

rated as (
    -- from the published counts only
    select
        *,
        {{ service_demand_rate_columns() }}
    from published
)

select * from rated
