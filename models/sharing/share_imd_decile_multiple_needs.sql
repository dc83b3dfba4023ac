{#- imd_decile_multiple_needs for approved recipients, disclosure-controlled:
    households placed in the LSOAs of each national IMD decile by the number
    of targeted services they are known to (households not located are not
    released), rounded, withheld and marked when suppressed under the same
    suppression as share_ward_multiple_needs (deciles and wards add up to
    the same borough totals), beside the borough's published count of
    households with multiple needs and census households; the multiple needs
    rate, its interval and comparison are computed from those published
    counts (withheld with them). -#}

{%- set measures = multiple_needs_measures() %}
{%- set benchmark = [('multiple', 'multiple_needs_households_count')] %}

with

approvals as (
    {{ sharing_approvals_for('imd_decile_multiple_needs') }}
),

needs as (
    select * from {{ ref('imd_decile_multiple_needs') }}
    where imd_decile is not null
),

suppression as (
    select * from {{ ref('sdc_multiple_needs__suppressed') }}
),

borough_households as (
    {{ sharing_borough_households('needs') }}
),

decile_cells as (
    {{ sdc_cell_flags('suppression', 'imd_decile', measures, area_code='decile_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', benchmark) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        needs.imd_decile,
        needs.lsoa_count,
        {{ household_needs_share_columns('needs', 'decile_cells', measures, benchmark) }}
    from approvals
    inner join needs
        on approvals.commission_id = needs.commission_id
    inner join borough_households
        on needs.commission_id = borough_households.commission_id
    inner join decile_cells
        on
            {{ sharing_cells_match('decile_cells', 'needs') }}
            and cast(needs.imd_decile as varchar) = decile_cells.decile_code
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
