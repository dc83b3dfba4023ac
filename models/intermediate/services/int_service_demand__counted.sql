{#- People and households known to each service, counted at every level of
    the geography: the borough, each ward and each
    LSOA. A person is placed once per service (int_service_users__located)
    and a household once (int_households__located), so LSOAs add up to
    their ward and wards (with the row for those not located, ward_code
    null) to the borough: the hierarchy secondary suppression protects. -#}

with

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

households as (
    select * from {{ ref('int_households__located') }}
),

service_households as (
    select distinct
        service_users.commission_id,
        service_users.service_code,
        service_users.household_key,
        households.ward_code,
        households.lsoa21_code
    from service_users
    inner join households
        on
            service_users.commission_id = households.commission_id
            and service_users.household_key = households.household_key
),

{%- set levels = {
    'borough': [],
    'ward': ['ward_code'],
    'lsoa': ['ward_code', 'lsoa21_code'],
} %}

people_counted as (
    {%- for level, keys in levels.items() %}
    select
        commission_id,
        service_code,
        {{ 'ward_code' if 'ward_code' in keys else 'cast(null as varchar) as ward_code' }},
        {{ 'lsoa21_code' if 'lsoa21_code' in keys else 'cast(null as varchar) as lsoa21_code' }},
        '{{ level }}' as area_level,
        count(*) as people_known_count,
        count(ward_code) as located_people_count,
        sum(record_count) as record_count
    from service_users
    group by commission_id, service_code{% for key in keys %}, {{ key }}{% endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

households_counted as (
    {%- for level, keys in levels.items() %}
    select
        commission_id,
        service_code,
        {{ 'ward_code' if 'ward_code' in keys else 'cast(null as varchar) as ward_code' }},
        {{ 'lsoa21_code' if 'lsoa21_code' in keys else 'cast(null as varchar) as lsoa21_code' }},
        '{{ level }}' as area_level,
        count(*) as households_known_count,
        count(ward_code) as located_households_count
    from service_households
    group by commission_id, service_code{% for key in keys %}, {{ key }}{% endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

unioned as (
    select
        commission_id,
        service_code,
        area_level,
        ward_code,
        lsoa21_code,
        people_known_count,
        located_people_count,
        0 as households_known_count,
        0 as located_households_count,
        record_count
    from people_counted
    union all
    select
        commission_id,
        service_code,
        area_level,
        ward_code,
        lsoa21_code,
        0 as people_known_count,
        0 as located_people_count,
        households_known_count,
        located_households_count,
        0 as record_count
    from households_counted
),

counted as (
    -- people and households are placed independently: an area can hold a
    -- service's household but none of its people, or the reverse
    select
        commission_id,
        service_code,
        area_level,
        ward_code,
        lsoa21_code,
        cast(sum(people_known_count) as bigint) as people_known_count,
        cast(sum(located_people_count) as bigint) as located_people_count,
        cast(sum(households_known_count) as bigint) as households_known_count,
        cast(sum(located_households_count) as bigint) as located_households_count,
        cast(sum(record_count) as bigint) as record_count
    from unioned
    -- the lsoa level repeats the ward level for those not located
    where not (area_level = 'lsoa' and ward_code is null)
    group by commission_id, service_code, area_level, ward_code, lsoa21_code
)

select * from counted
