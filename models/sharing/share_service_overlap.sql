{#- service_overlap for approved recipients, disclosure-controlled: for each
    pair of services, the households known to each and to both, rounded,
    withheld and marked when suppressed (with the service demand family: a
    service's households are those also known to the other and those not,
    so no withheld count of a pair is recoverable from the service's total);
    the Jaccard index and the share of each service's households the other
    also knows are computed from the published counts (withheld with them).
    The households known to either are not published: they follow from the
    three counts. -#}

with

approvals as (
    {{ sharing_approvals_for('service_overlap') }}
),

overlap as (
    select * from {{ ref('service_overlap') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

pair_cells as (
    {{ sdc_cell_flags('suppression', 'all', ['households_known_to_both'], ['service_code', 'breakdown']) }}
),

service_cells as (
    {{ sdc_cell_flags('suppression', 'all', ['households'], ['service_code']) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        overlap.first_service_code,
        overlap.first_service_name,
        overlap.second_service_code,
        overlap.second_service_name,
        {{ sdc_count_columns(
            'first_service_households_count', 'overlap.first_service_households_count',
            'first_cells.is_households_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'second_service_households_count', 'overlap.second_service_households_count',
            'second_cells.is_households_suppressed', 'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'households_known_to_both_count', 'overlap.households_known_to_both_count',
            'pair_cells.is_households_known_to_both_suppressed', 'approvals.rounding_base'
        ) }}
    from approvals
    inner join overlap
        on approvals.commission_id = overlap.commission_id
    inner join pair_cells
        on
            {{ sharing_cells_match('pair_cells', 'overlap') }}
            and overlap.first_service_code = pair_cells.service_code
            and overlap.second_service_code = pair_cells.breakdown
    inner join service_cells as first_cells
        on
            {{ sharing_cells_match('first_cells', 'overlap') }}
            and overlap.first_service_code = first_cells.service_code
    inner join service_cells as second_cells
        on
            {{ sharing_cells_match('second_cells', 'overlap') }}
            and overlap.second_service_code = second_cells.service_code
),

indexed as (
    -- from the published counts only
    select
        *,
        {{ service_overlap_index_columns() }}
    from published
)

select * from indexed
