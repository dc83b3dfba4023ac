{#- segment_multiple_needs for approved recipients the segmentation's
    commercial licence clears (sharing_approvals_for keeps only those),
    disclosure-controlled: households by number of targeted services they
    are known to, per household segment group (households without a segment
    are not released), rounded, withheld and marked when suppressed, with
    the multiple needs rate, its interval and comparison withheld with their
    counts. -#}

{%- set measures = [('linked', 'linked_household_count')] + multiple_needs_measures() %}

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
    {{ sdc_cell_flags(
        'suppression', 'segment', ['linked', 'known', 'band_1', 'band_2', 'band_3', 'band_4_plus', 'multiple'],
        area_code='segment_group_code'
    ) }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', ['multiple', 'linked']) }}
),

shared as (
    select
        {{ sharing_approval_columns() }},
        needs.segment_group_code,
        needs.segment_group_name,
        {%- for measure, column in measures %}
        {{ sdc_count_columns(
            column, 'needs.' ~ column, 'segment_cells.is_' ~ measure ~ '_suppressed', 'approvals.rounding_base'
        ) }},
        {%- endfor %}
        {{ sdc_rate_columns(
            'multiple_needs', 'needs',
            '(segment_cells.is_multiple_suppressed or segment_cells.is_linked_suppressed)',
            '(borough_cells.is_multiple_suppressed or borough_cells.is_linked_suppressed)'
        ) }}
    from approvals
    inner join needs
        on approvals.commission_id = needs.commission_id
    inner join segment_cells
        on {{ sharing_cells_match('segment_cells', 'needs', ['segment_group_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'needs') }}
)

select * from shared
