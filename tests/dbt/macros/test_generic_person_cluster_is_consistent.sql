-- The generic test person_cluster_is_consistent
-- (tests/dbt/generic/person_cluster_is_consistent.sql) on clusters planted by
-- hand. The generic test reads each record's identifiers from
-- int_person_records__geocoded itself (a ref, not an argument), so the
-- clusters are made of that model's records, each picked (the first by year
-- of birth and token) for the fields that decide a failure. Consistent: two
-- records with no NHS number or service person id born a year apart; two
-- records with person ids of two services born the same year; two records
-- with one NHS number; two with neither born two years apart (one keyed
-- digit). Planted: two records with neither identifier born twelve years
-- apart (two digits differ: irreconcilable dates of birth); two records with different
-- valid NHS numbers born the same year; two with different person ids of one
-- service born the same year; three with neither born six years apart each
-- (oversized under max_records 2, and irreconcilable). It returns each
-- planted failure and no consistent cluster, and nothing on those alone;
-- with max_share, on the four failing clusters (five failures) and the one a
-- year apart (the one two years apart left out), all five failures when four clusters of five are more than
-- 0.75 of them and none when they are not more than 0.8. Fails with each row
-- returned that was not planted, each planted row not returned, and each
-- cluster the model has no records to plant.
with

person_records as (
    select * from {{ ref('int_person_records__geocoded') }}
),

dated_records as (
    -- the fields that decide a failure, on records with a year of birth
    select
        record_token,
        service_code,
        source_person_token,
        nhs_number_token,
        birth_year
    from person_records
    where birth_year is not null
),

anonymous_records as (
    -- no NHS number and no service person id: they bring no identifier to a
    -- cluster; ranked within their year of birth
    select
        *,
        row_number() over (partition by birth_year order by record_token) as year_rank
    from dated_records
    where nhs_number_token is null and source_person_token is null
),

first_anonymous_records as (
    -- the first of each year of birth
    select * from anonymous_records
    where year_rank = 1
),

years_apart as (
    -- the first pair of first-of-their-year records born each planted gap apart
    select
        gaps.cluster_token,
        [older.record_token, younger.record_token] as record_tokens
    from (
        values
        ('a year apart', 1, false),
        ('two years apart', 2, true),
        ('twelve years apart', 12, false)
    ) as gaps (cluster_token, years, in_last_digit)
    inner join first_anonymous_records as older
        on true
    inner join first_anonymous_records as younger
        on older.birth_year + gaps.years = younger.birth_year
    -- two years apart is one keyed digit only within the last digit (1985, 1987; not 1989, 1991)
    where not gaps.in_last_digit or older.birth_year % 10 + gaps.years <= 9
    qualify row_number() over (partition by gaps.cluster_token order by older.birth_year) = 1
),

three_years as (
    select
        'three years' as cluster_token,
        [older.record_token, middle.record_token, younger.record_token] as record_tokens
    from first_anonymous_records as older
    inner join first_anonymous_records as middle
        on older.birth_year + 6 = middle.birth_year
    inner join first_anonymous_records as younger
        on older.birth_year + 12 = younger.birth_year
    order by older.birth_year
    limit 1
),

one_nhs_number as (
    -- two records with one NHS number, year of birth and service person id (or none)
    select
        'one NHS number' as cluster_token,
        [min(record_token), max(record_token)] as record_tokens
    from dated_records
    where nhs_number_token is not null
    group by nhs_number_token, birth_year, source_person_token
    having count(*) > 1
    order by min(record_token)
    limit 1
),

two_nhs_numbers as (
    -- the records with the lowest and highest NHS number token of a year
    select
        'two NHS numbers' as cluster_token,
        [
            arg_min(record_token, [nhs_number_token, record_token]),
            arg_max(record_token, [nhs_number_token, record_token])
        ] as record_tokens
    from dated_records
    where nhs_number_token is not null and source_person_token is null
    group by birth_year
    having min(nhs_number_token) < max(nhs_number_token)
    order by birth_year
    limit 1
),

service_person_records as (
    select * from dated_records
    where source_person_token is not null and nhs_number_token is null
),

two_service_person_ids as (
    -- the records with the lowest and highest person id of a service and year
    select
        'two service person ids' as cluster_token,
        [
            arg_min(record_token, [source_person_token, record_token]),
            arg_max(record_token, [source_person_token, record_token])
        ] as record_tokens
    from service_person_records
    group by birth_year, service_code
    having min(source_person_token) < max(source_person_token)
    order by birth_year, service_code
    limit 1
),

two_services as (
    -- the records of the first and last service with person ids in a year
    select
        'two services' as cluster_token,
        [
            arg_min(record_token, [service_code, record_token]),
            arg_max(record_token, [service_code, record_token])
        ] as record_tokens
    from service_person_records
    group by birth_year
    having min(service_code) < max(service_code)
    order by birth_year
    limit 1
),

planted_clusters as (
    select
        'planted' as commission_id,
        picked.cluster_token,
        unnest(picked.record_tokens) as record_token
    from (
        select * from years_apart
        union all
        select * from two_services
        union all
        select * from one_nhs_number
        union all
        select * from two_nhs_numbers
        union all
        select * from two_service_person_ids
        union all
        select * from three_years
    ) as picked
),

consistent_clusters as (
    select * from planted_clusters
    where cluster_token in ('a year apart', 'two years apart', 'two services', 'one NHS number')
),

clusters_for_share as (
    -- the four failing clusters and one consistent
    select * from planted_clusters
    where cluster_token not in ('two years apart', 'two services', 'one NHS number')
),

all_clusters as (
    {{ test_person_cluster_is_consistent('planted_clusters', max_records=2) }}
),

consistent_only as (
    {{ test_person_cluster_is_consistent('consistent_clusters', max_records=2) }}
),

above_share as (
    {{ test_person_cluster_is_consistent('clusters_for_share', max_records=2, max_share=0.75) }}
),

within_share as (
    {{ test_person_cluster_is_consistent('clusters_for_share', max_records=2, max_share=0.8) }}
),

returned as (
    select
        'all clusters' as called_on,
        *
    from all_clusters
    union all
    select
        'consistent clusters only' as called_on,
        *
    from consistent_only
    union all
    select
        'more than 0.75 failing' as called_on,
        *
    from above_share
    union all
    select
        'not more than 0.8 failing' as called_on,
        *
    from within_share
),

planted_failures as (
    select planted_failures.*
    from (
        values
        ('twelve years apart', 'irreconcilable dates of birth', 2),
        ('two NHS numbers', 'two valid NHS numbers', 2),
        ('two service person ids', 'two person ids of one service', 2),
        ('three years', 'irreconcilable dates of birth', 3),
        ('three years', 'oversized cluster', 3)
    ) as planted_failures (cluster_token, failure, record_count)
),

calls_that_fail as (
    -- without max_share, and with four failing clusters of five above it
    select calls_that_fail.*
    from (
        values
        ('all clusters'),
        ('more than 0.75 failing')
    ) as calls_that_fail (called_on)
),

planted as (
    select
        calls_that_fail.called_on,
        'planted' as commission_id,
        planted_failures.cluster_token,
        planted_failures.failure,
        planted_failures.record_count
    from planted_failures
    cross join calls_that_fail
),

cluster_sizes as (
    select
        cluster_token,
        count(distinct record_token) as record_count
    from planted_clusters
    group by cluster_token
),

unplanted_clusters as (
    select planned.cluster_token
    from (
        values
        ('a year apart', 2),
        ('two services', 2),
        ('one NHS number', 2),
        ('two years apart', 2),
        ('twelve years apart', 2),
        ('two NHS numbers', 2),
        ('two service person ids', 2),
        ('three years', 3)
    ) as planned (cluster_token, record_count)
    left join cluster_sizes
        on
            planned.cluster_token = cluster_sizes.cluster_token
            and planned.record_count = cluster_sizes.record_count
    where cluster_sizes.cluster_token is null
)

{{ rows_differing('returned', 'planted') }}
union all
select
    'no records in the model to plant this cluster' as mismatch,
    null as called_on,
    null as commission_id,
    cluster_token,
    null as failure,
    null as record_count
from unplanted_clusters
