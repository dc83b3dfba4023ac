{#- service_equalities for approved recipients, disclosure-controlled: each
    service's users by sex, age band and ethnic group (and not known), with
    the users whose value is known, rounded, withheld and marked when
    suppressed (with the service demand family: a characteristic's
    categories add up to the users with a known value, and with not known to
    everyone the service knows, so no withheld category is recoverable from
    those totals or another characteristic's), beside the census residents
    of each category; the users' share, the representation ratio, its Katz
    interval and the judgement are computed from the published counts
    (withheld with them). -#}

with

approvals as (
    {{ sharing_approvals_for('service_equalities') }}
),

equalities as (
    select * from {{ ref('service_equalities') }}
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

category_cells as (
    {{ sdc_cell_flags('suppression', 'characteristic', ['users'], ['service_code', 'breakdown'], 'characteristic') }}
),

characteristic_cells as (
    {{ sdc_cell_flags(
        'suppression', 'characteristic', ['users_not_known', 'users_with_known_value'], ['service_code'],
        'characteristic'
    ) }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        equalities.service_code,
        equalities.service_name,
        equalities.characteristic,
        equalities.category_code,
        equalities.category_label,
        equalities.category_order,
        equalities.resident_count,
        equalities.residents_total_count,
        {{ sdc_count_columns(
            'users_count', 'equalities.users_count',
            'case when equalities.category_code is null then characteristic_cells.is_users_not_known_suppressed
                else category_cells.is_users_suppressed end',
            'approvals.rounding_base'
        ) }},
        {{ sdc_count_columns(
            'users_with_known_value_count', 'equalities.users_with_known_value_count',
            'characteristic_cells.is_users_with_known_value_suppressed', 'approvals.rounding_base'
        ) }}
    from approvals
    inner join equalities
        on approvals.commission_id = equalities.commission_id
    inner join characteristic_cells
        on {{ sharing_cells_match('characteristic_cells', 'equalities', ['service_code', 'characteristic']) }}
    left join category_cells
        on
            {{ sharing_cells_match('category_cells', 'equalities', ['service_code', 'characteristic']) }}
            and equalities.category_code = category_cells.breakdown
),

rated as (
    -- from the published counts only (and the public census figures)
    select
        *,
        {{ share_of_total('users_count', 'case when category_code is not null then users_with_known_value_count end') }}
            as users_share,
        {{ share_of_total('resident_count', 'residents_total_count') }} as resident_share,
        {{ representation_columns(
            'users_count', 'users_with_known_value_count', 'resident_count', 'residents_total_count'
        ) }}
    from published
)

select * from rated
