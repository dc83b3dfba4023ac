{#- ward_multiple_needs for approved recipients, disclosure-controlled:
    households placed in each ward by the number of targeted services they
    are known to (households not located are not released), rounded,
    withheld and marked when suppressed, beside the borough's published
    count of households with multiple needs and census households; the
    multiple needs rate, its interval and comparison are computed from those
    published counts (withheld with them). -#}

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

borough_households as (
    select
        commission_id,
        cast(sum(household_count) as bigint) as household_count
    from needs
    where ward_code is not null
    group by commission_id
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

published as (
    select
        {{ sharing_approval_columns() }},
        needs.ward_code,
        needs.ward_name,
        needs.household_count,
        borough_households.household_count as borough_household_count,
        {%- for measure, column in measures %}
        {{ sdc_count_columns(
            column, 'needs.' ~ column, 'ward_cells.is_' ~ measure ~ '_suppressed', 'approvals.rounding_base'
        ) }},
        {%- endfor %}
        {{ sdc_count_columns(
            'borough_multiple_needs_households_count', 'borough_cells.multiple_value',
            'borough_cells.is_multiple_suppressed', 'approvals.rounding_base'
        ) }}
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
        {{ rate_per_1000_columns(
            'multiple_needs', 'multiple_needs_households_count', 'household_count',
            'borough_multiple_needs_households_count', 'borough_household_count'
        ) }}
    from published
)

select * from rated
