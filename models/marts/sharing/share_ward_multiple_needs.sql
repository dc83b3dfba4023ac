{#- ward_multiple_needs for approved recipients, disclosure-controlled:
    households placed in each ward by the number of targeted services they
    are known to (households not located are not released), rounded,
    withheld and marked when suppressed, with the multiple needs rate, its
    interval and comparison withheld with their counts. -#}

{%- set measures = multiple_needs_measures() %}

with

approvals as (
    {{ sharing_approvals_for('ward_multiple_needs') }}
),

needs as (
    select * from {{ ref('ward_multiple_needs') }}
),

suppression as (
    select * from {{ ref('sdc_multiple_needs__suppressed') }}
),

ward_cells as (
    {{ sdc_cell_flags(
        'suppression', 'ward', ['known', 'band_1', 'band_2', 'band_3', 'band_4_plus', 'multiple'],
        area_code='ward_code'
    ) }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', ['multiple']) }}
),

shared as (
    select
        {{ sharing_approval_columns() }},
        needs.ward_code,
        needs.ward_name,
        needs.household_count,
        {%- for measure, column in measures %}
        {{ sdc_count_columns(
            column, 'needs.' ~ column, 'ward_cells.is_' ~ measure ~ '_suppressed', 'approvals.rounding_base'
        ) }},
        {%- endfor %}
        {{ sdc_rate_columns(
            'multiple_needs', 'needs', 'ward_cells.is_multiple_suppressed', 'borough_cells.is_multiple_suppressed'
        ) }}
    from approvals
    inner join needs
        on approvals.commission_id = needs.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'needs', ['ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'needs') }}
)

select * from shared
