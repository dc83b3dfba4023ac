{#- ward_multiple_needs for approved recipients, disclosure-controlled:
    households placed in each ward by the number of targeted services they
    are known to (households not located are not released), rounded,
    withheld and marked when suppressed, beside the borough's published
    count of households with multiple needs and census households; the
    multiple needs rate, its interval and comparison are computed from those
    published counts (withheld with them). -#}

{%- set measures = multiple_needs_measures() %}
{%- set benchmark = [('multiple', 'multiple_needs_households_count')] %}

with

approvals as (
    {{ sharing_approvals_for('ward_multiple_needs') }}
),

needs as (
    select * from {{ ref('ward_multiple_needs') }}
    where ward_code is not null
),

suppression as (
    select * from {{ ref('sdc_multiple_needs__suppressed') }}
),

borough_households as (
    {{ sharing_borough_households('needs') }}
),

ward_cells as (
    {{ sdc_cell_flags('suppression', 'ward', measures, area_code='ward_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', benchmark) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        needs.ward_code,
        needs.ward_name,
        {{ household_needs_share_columns('needs', 'ward_cells', measures, benchmark) }}
    from approvals
    inner join needs
        on approvals.commission_id = needs.commission_id
    inner join borough_households
        on needs.commission_id = borough_households.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'needs', ['ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'needs') }}
),

rated as (
    -- from the published counts only
    select
        *,
        {{ rate_per_1000_columns('multiple_needs', 'multiple_needs_households_count', 'household_count') }}
    from published
)

select * from rated
