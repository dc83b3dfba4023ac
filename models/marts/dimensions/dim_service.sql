with

services as (
    select * from {{ ref('services') }}
),

described as (
    select
        service_code,
        service_name,
        owning_service,
        needs_domain,
        is_universal_service,
        description,
        privacy_notice_categories
    from services
)

select * from described
