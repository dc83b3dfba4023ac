{#- Monthly first contacts per service per ward: people whose first known
    event with the service (the earliest event month of their records with
    it, by linked person key) is the month, placed in one ward each
    (ward_code null: not located). Months in the trend window only
    (var trend_window_months, default 24, ending with the as-of month; see
    dim_period.is_in_trend_window); a service, ward and month with no first
    contact has no row: join dim_period and dim_ward to fill the zeros. -#}

{%- set as_of = "date '" ~ as_of_date() ~ "'" %}

with

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

services as (
    select * from {{ ref('services') }}
),

wards as (
    select * from {{ ref('int_ward__described') }}
),

first_contacts as (
    select
        commission_id,
        service_code,
        first_contact_month as month_start_date,
        ward_code,
        count(*) as first_contacts_count
    from service_users
    where
        first_contact_month >= cast(
            date_trunc('month', {{ as_of }}) - interval {{ var('trend_window_months', 24) - 1 }} month as date
        )
        and first_contact_month <= {{ as_of }}
    group by commission_id, service_code, first_contact_month, ward_code
),

described as (
    select
        first_contacts.commission_id,
        first_contacts.service_code,
        first_contacts.month_start_date,
        first_contacts.ward_code,
        cast(first_contacts.first_contacts_count as bigint) as first_contacts_count,
        coalesce(services.service_name, first_contacts.service_code) as service_name,
        coalesce(wards.ward_name, 'Not known') as ward_name
    from first_contacts
    left join services
        on first_contacts.service_code = services.service_code
    left join wards
        on first_contacts.ward_code = wards.ward_code
)

select * from described
