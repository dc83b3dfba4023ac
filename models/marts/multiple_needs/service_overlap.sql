{#- Which services see the same households: for every pair of services (each
    pair once, first_service_code < second_service_code), the households
    known to each, to both and to either, the Jaccard index (both / either)
    and the share of each service's households the other also knows. -#}

with

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

services as (
    select * from {{ ref('services') }}
),

service_households as (
    select distinct
        commission_id,
        service_code,
        household_key
    from service_users
    where household_key is not null
),

service_totals as (
    select
        commission_id,
        service_code,
        count(*) as households_known_count
    from service_households
    group by commission_id, service_code
),

service_pairs as (
    select
        first_service.commission_id,
        first_service.service_code as first_service_code,
        second_service.service_code as second_service_code
    from service_totals as first_service
    inner join service_totals as second_service
        on
            first_service.commission_id = second_service.commission_id
            and first_service.service_code < second_service.service_code
),

shared_households as (
    select
        first_households.commission_id,
        first_households.service_code as first_service_code,
        second_households.service_code as second_service_code,
        count(*) as households_known_to_both_count
    from service_households as first_households
    inner join service_households as second_households
        on
            first_households.commission_id = second_households.commission_id
            and first_households.household_key = second_households.household_key
            and first_households.service_code < second_households.service_code
    group by first_households.commission_id, first_households.service_code, second_households.service_code
),

pair_overlaps as (
    select
        service_pairs.commission_id,
        service_pairs.first_service_code,
        service_pairs.second_service_code,
        cast(first_totals.households_known_count as bigint) as first_service_households_count,
        cast(second_totals.households_known_count as bigint) as second_service_households_count,
        cast(coalesce(shared_households.households_known_to_both_count, 0) as bigint)
            as households_known_to_both_count,
        cast(
            first_totals.households_known_count + second_totals.households_known_count
            - coalesce(shared_households.households_known_to_both_count, 0) as bigint
        ) as households_known_to_either_count,
        coalesce(first_names.service_name, service_pairs.first_service_code) as first_service_name,
        coalesce(second_names.service_name, service_pairs.second_service_code) as second_service_name
    from service_pairs
    inner join service_totals as first_totals
        on
            service_pairs.commission_id = first_totals.commission_id
            and service_pairs.first_service_code = first_totals.service_code
    inner join service_totals as second_totals
        on
            service_pairs.commission_id = second_totals.commission_id
            and service_pairs.second_service_code = second_totals.service_code
    left join services as first_names
        on service_pairs.first_service_code = first_names.service_code
    left join services as second_names
        on service_pairs.second_service_code = second_names.service_code
    left join shared_households
        on
            service_pairs.commission_id = shared_households.commission_id
            and service_pairs.first_service_code = shared_households.first_service_code
            and service_pairs.second_service_code = shared_households.second_service_code
),

indexed as (
    select
        *,
        {{ service_overlap_index_columns() }}
    from pair_overlaps
)

select * from indexed
