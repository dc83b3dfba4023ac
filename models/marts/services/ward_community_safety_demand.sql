{#- Community safety demand by ward, for community safety partners: people
    and households known to the community safety team (anti-social
    behaviour casework), their rates per 1,000 and comparison with the
    borough (the same figures as ward_service_demand for the service), and
    how many of those households are also known to another targeted service
    (social care, housing, employment support): where anti-social behaviour
    and other needs meet. -#}

with

demand as (
    select * from {{ ref('ward_service_demand') }}
),

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

households as (
    select * from {{ ref('int_households__located') }}
),

services as (
    select * from {{ ref('services') }}
),

community_safety_households as (
    select distinct
        commission_id,
        household_key
    from service_users
    where service_code = 'community_safety' and household_key is not null
),

other_needs_households as (
    select distinct
        service_users.commission_id,
        service_users.household_key
    from service_users
    left join services
        on service_users.service_code = services.service_code
    where
        service_users.service_code <> 'community_safety'
        and not coalesce(services.is_universal_service, false)
        and service_users.household_key is not null
),

households_with_other_needs as (
    select
        households.commission_id,
        households.ward_code,
        count(*) as households_with_other_needs_count
    from community_safety_households
    inner join other_needs_households
        on
            community_safety_households.commission_id = other_needs_households.commission_id
            and community_safety_households.household_key = other_needs_households.household_key
    inner join households
        on
            community_safety_households.commission_id = households.commission_id
            and community_safety_households.household_key = households.household_key
    group by households.commission_id, households.ward_code
),

combined as (
    select
        demand.commission_id,
        demand.ward_code,
        demand.ward_name,
        demand.people_known_count,
        demand.households_known_count,
        demand.resident_count,
        demand.household_count,
        demand.people_known_rate_per_1000,
        demand.people_known_rate_per_1000_ci_lower,
        demand.people_known_rate_per_1000_ci_upper,
        demand.borough_people_known_rate_per_1000,
        demand.people_known_rate_ratio_to_borough,
        demand.people_known_compared_with_borough,
        demand.households_known_rate_per_1000,
        demand.households_known_rate_per_1000_ci_lower,
        demand.households_known_rate_per_1000_ci_upper,
        demand.borough_households_known_rate_per_1000,
        demand.households_known_rate_ratio_to_borough,
        demand.households_known_compared_with_borough,
        cast(coalesce(households_with_other_needs.households_with_other_needs_count, 0) as bigint)
            as households_with_other_needs_count,
        {{ share_of_total(
            'coalesce(households_with_other_needs.households_with_other_needs_count, 0)', 'demand.households_known_count'
        ) }} as households_with_other_needs_share
    from demand
    left join households_with_other_needs
        on
            demand.commission_id = households_with_other_needs.commission_id
            and demand.ward_code is not distinct from households_with_other_needs.ward_code
    where demand.service_code = 'community_safety'
)

select * from combined
