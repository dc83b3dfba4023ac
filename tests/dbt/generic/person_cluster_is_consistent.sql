{% test person_cluster_is_consistent(model, max_records, max_share=none) %}
{#- Linkage failures that need no ground truth, one failing row per cluster
    and problem:
    - two different valid NHS numbers in one person;
    - two person ids of one service (social care ids, council tax parties),
      which clustering keeps apart unless strong links bridge them;
    - dates of birth that cannot be the same person's: years of birth more
      than one apart, unless one keyed digit (1985, 1975) or two adjacent
      digits exchanged (1985, 1958) tell them apart, the slips the linkage's
      date level "two of year, month and day agree" links across;
    - more records than any one person plausibly has.
    With max_share, rows are returned only when the failing clusters exceed
    that share of all clusters (a build-stopping threshold for real data,
    where a few conflicting identifiers are expected). -#}
with

clusters as (
    select * from {{ model }}
),

person_records as (
    select * from {{ ref('int_person_records__geocoded') }}
),

clustered_records as (
    select
        clusters.commission_id,
        clusters.cluster_token,
        person_records.nhs_number_token,
        person_records.birth_year,
        count(distinct person_records.source_person_token) over (
            partition by clusters.commission_id, clusters.cluster_token, person_records.service_code
        ) as service_person_id_count
    from clusters
    inner join person_records
        on clusters.record_token = person_records.record_token
),

cluster_profiles as (
    select
        commission_id,
        cluster_token,
        count(*) as record_count,
        count(distinct nhs_number_token) as nhs_number_count,
        max(service_person_id_count) as max_service_person_id_count,
        cast(min(birth_year) as varchar) as earliest_year,
        cast(max(birth_year) as varchar) as latest_year
    from clustered_records
    group by commission_id, cluster_token
),

failures as (
    select commission_id, cluster_token, 'two valid NHS numbers' as failure, record_count
    from cluster_profiles
    where nhs_number_count > 1
    union all
    select commission_id, cluster_token, 'two person ids of one service', record_count
    from cluster_profiles
    where max_service_person_id_count > 1
    union all
    select commission_id, cluster_token, 'irreconcilable dates of birth', record_count
    from cluster_profiles
    where
        cast(latest_year as integer) - cast(earliest_year as integer) > 1
        and length(earliest_year) = 4 and length(latest_year) = 4
        and list_sum(list_transform(range(1, 5), lambda i: (earliest_year[i] <> latest_year[i])::integer)) > 1
        and not list_contains(
            list_transform(range(1, 4), lambda i: left(earliest_year, i - 1) || earliest_year[i + 1] || earliest_year[i] || substr(earliest_year, i + 2)),
            latest_year
        )
    union all
    select commission_id, cluster_token, 'oversized cluster', record_count
    from cluster_profiles
    where record_count > {{ max_records }}
)

select * from failures
{%- if max_share is not none %}
where (select count(distinct cluster_token) from failures) > {{ max_share }} * (select count(*) from cluster_profiles)
{%- endif %}
{% endtest %}
