{#- segment_multiple_needs for approved recipients the segmentation's
    commercial licence clears (sharing_approvals_for keeps only those),
    disclosure-controlled: households by number of targeted services they
    are known to, per household segment group (households without a segment
    are not released), rounded, withheld and marked when suppressed, beside
    the published borough counts of households with a segment; the multiple
    needs rate (per 1,000 linked households, itself a published count), its
    interval and comparison are computed from those published counts
    (withheld with them). -#}

{%- set measures = [('linked', 'linked_household_count')] + multiple_needs_measures() %}
{%- set benchmark = [('linked', 'linked_household_count'), ('multiple', 'multiple_needs_households_count')] %}

with

approvals as (
    {{ sharing_approvals_for('segment_multiple_needs') }}
),

needs as (
    select * from {{ ref('segment_multiple_needs') }}
),

suppression as (
    select * from {{ ref('sdc_segment_multiple_needs__suppressed') }}
),

segment_cells as (
    {{ sdc_cell_flags('suppression', 'segment', measures, area_code='segment_group_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', benchmark) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        needs.segment_group_code,
        needs.segment_group_name,
        {{ sharing_count_columns(measures, 'segment_cells', 'needs') }},
        {{ sharing_count_columns(benchmark, 'borough_cells', prefix='borough_') }}
    from approvals
    inner join needs
        on approvals.commission_id = needs.commission_id
    inner join segment_cells
        on {{ sharing_cells_match('segment_cells', 'needs', ['segment_group_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'needs') }}
),

rated as (
    -- from the published counts only
    select
        *,
        {{ rate_per_1000_columns('multiple_needs', 'multiple_needs_households_count', 'linked_household_count') }}
    from published
)

select * from rated
