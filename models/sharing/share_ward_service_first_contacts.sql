{#- ward_service_first_contacts for approved recipients,
    disclosure-controlled: each month's first contacts per service and ward
    (people not located are not released), rounded, withheld and marked
    when suppressed. Suppressed with the service demand family: a ward's
    monthly first contacts and those outside the window add up to its
    people known to the service (share_ward_service_demand), so no withheld
    month is recoverable from that total or the other months. A service,
    ward and month without a row had no first contact. -#}

with

approvals as (
    {{ sharing_approvals_for('ward_service_first_contacts') }}
),

contacts as (
    select * from {{ ref('ward_service_first_contacts') }}
    where ward_code is not null
),

suppression as (
    select * from {{ ref('sdc_service_demand__suppressed') }}
),

month_cells as (
    {{ sdc_cell_flags('suppression', 'ward', ['first_contacts'], ['service_code', 'breakdown'], 'ward_code') }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        contacts.service_code,
        contacts.service_name,
        contacts.month_start_date,
        contacts.ward_code,
        contacts.ward_name,
        {{ sdc_count_columns(
            'first_contacts_count', 'contacts.first_contacts_count', 'month_cells.is_first_contacts_suppressed',
            'approvals.rounding_base'
        ) }}
    from approvals
    inner join contacts
        on approvals.commission_id = contacts.commission_id
    inner join month_cells
        on
            {{ sharing_cells_match('month_cells', 'contacts', ['service_code', 'ward_code']) }}
            and cast(contacts.month_start_date as varchar) = month_cells.breakdown
)

select * from published
