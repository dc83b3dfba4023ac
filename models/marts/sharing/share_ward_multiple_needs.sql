{#- ward_multiple_needs for approved recipients, disclosure-controlled:
    households placed in each ward by the number of targeted services they
    are known to (households not located are not released), rounded,
    withheld and marked when suppressed, with the multiple needs rate, its
    interval and comparison withheld with their counts. -#}

{%- set measures = [
    ('known', 'households_known_count'),
    ('band_1', 'known_to_1_service_count'),
    ('band_2', 'known_to_2_services_count'),
    ('band_3', 'known_to_3_services_count'),
    ('band_4_plus', 'known_to_4_plus_services_count'),
    ('multiple', 'multiple_needs_households_count'),
] %}

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
    select
        commission_id,
        suppress_up_to,
        area_code as ward_code,
        bool_or(is_suppressed) filter (where measure = 'known') as is_known_suppressed,
        bool_or(is_suppressed) filter (where measure = 'band_1') as is_band_1_suppressed,
        bool_or(is_suppressed) filter (where measure = 'band_2') as is_band_2_suppressed,
        bool_or(is_suppressed) filter (where measure = 'band_3') as is_band_3_suppressed,
        bool_or(is_suppressed) filter (where measure = 'band_4_plus') as is_band_4_plus_suppressed,
        bool_or(is_suppressed) filter (where measure = 'multiple') as is_multiple_suppressed
    from suppression
    where area_level = 'ward'
    group by commission_id, suppress_up_to, area_code
),

borough_cells as (
    select
        commission_id,
        suppress_up_to,
        bool_or(is_suppressed) filter (where measure = 'multiple') as is_multiple_suppressed
    from suppression
    where area_level = 'borough'
    group by commission_id, suppress_up_to
),

shared as (
    select
        approvals.recipient_type,
        approvals.commission_id,
        approvals.approval_id,
        approvals.disclosure_rule_id,
        approvals.suppress_up_to,
        approvals.rounding_base,
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
        on
            approvals.commission_id = ward_cells.commission_id
            and approvals.suppress_up_to = ward_cells.suppress_up_to
            and needs.ward_code = ward_cells.ward_code
    inner join borough_cells
        on
            approvals.commission_id = borough_cells.commission_id
            and approvals.suppress_up_to = borough_cells.suppress_up_to
)

select * from shared
