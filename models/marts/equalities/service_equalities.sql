{#- Who each service reaches against who lives in the borough: users by sex,
    age band, high-level and detailed ethnic group, each category's share of
    the users whose value is known against its share of census 2021
    residents, as a representation ratio with a 95% Katz log interval.
    Every census category has a row (0 users included); users whose value
    is not known are the row with category_code null, which has no ratio. -#}

{%- set users, users_known = 'users_count', 'users_with_known_value_count' %}
{%- set residents, residents_total = 'resident_count', 'residents_total_count' %}

with

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

population as (
    select * from {{ ref('int_lsoa__population_by_characteristic') }}
),

services as (
    select * from {{ ref('services') }}
),

user_characteristics as (
    select
        commission_id,
        service_code,
        'sex' as characteristic,
        sex as category_code
    from service_users
    union all
    select
        commission_id,
        service_code,
        'age_band' as characteristic,
        cast(age_band_code as varchar) as category_code
    from service_users
    union all
    select
        commission_id,
        service_code,
        'ethnic_group' as characteristic,
        nullif(ethnic_group, 'Not known') as category_code
    from service_users
    union all
    select
        commission_id,
        service_code,
        'ethnic_group_detailed' as characteristic,
        cast(census_ethnic_group_code as varchar) as category_code
    from service_users
),

users_by_category as (
    select
        commission_id,
        service_code,
        characteristic,
        category_code,
        count(*) as users_count
    from user_characteristics
    group by commission_id, service_code, characteristic, category_code
),

users_known as (
    select
        commission_id,
        service_code,
        characteristic,
        sum(users_count) filter (where category_code is not null) as users_with_known_value_count
    from users_by_category
    group by commission_id, service_code, characteristic
),

residents_by_category as (
    select
        characteristic,
        category_code,
        min(category_label) as category_label,
        min(category_order) as category_order,
        sum(resident_count) as resident_count
    from population
    group by characteristic, category_code
),

residents_total as (
    select
        characteristic,
        sum(resident_count) as residents_total_count
    from residents_by_category
    group by characteristic
),

categories as (
    -- every census category, and not known, for every service and characteristic
    select
        users_known.commission_id,
        users_known.service_code,
        users_known.characteristic,
        residents_by_category.category_code,
        residents_by_category.category_label,
        residents_by_category.category_order,
        residents_by_category.resident_count
    from users_known
    inner join residents_by_category
        on users_known.characteristic = residents_by_category.characteristic
    union all
    select
        commission_id,
        service_code,
        characteristic,
        null as category_code,
        'Not known' as category_label,
        999 as category_order,
        null as resident_count
    from users_known
),

compared as (
    select
        categories.commission_id,
        categories.service_code,
        categories.characteristic,
        categories.category_code,
        categories.category_label,
        cast(categories.category_order as integer) as category_order,
        cast(coalesce(users_by_category.users_count, 0) as bigint) as users_count,
        cast(coalesce(users_known.users_with_known_value_count, 0) as bigint) as users_with_known_value_count,
        cast(categories.resident_count as bigint) as resident_count,
        cast(residents_total.residents_total_count as bigint) as residents_total_count,
        coalesce(services.service_name, categories.service_code) as service_name
    from categories
    left join services
        on categories.service_code = services.service_code
    inner join users_known
        on
            categories.commission_id = users_known.commission_id
            and categories.service_code = users_known.service_code
            and categories.characteristic = users_known.characteristic
    left join residents_total
        on categories.characteristic = residents_total.characteristic
    left join users_by_category
        on
            categories.commission_id = users_by_category.commission_id
            and categories.service_code = users_by_category.service_code
            and categories.characteristic = users_by_category.characteristic
            and categories.category_code is not distinct from users_by_category.category_code
),

rated as (
    select
        *,
        {{ share_of_total(users, 'case when category_code is not null then ' ~ users_known ~ ' end') }} as users_share,
        {{ share_of_total(residents, residents_total) }} as resident_share,
        {{ representation_columns(users, users_known, residents, residents_total) }}
    from compared
)

select * from rated
