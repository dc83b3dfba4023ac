{% test person_cluster_is_consistent(model, max_records, max_share=none) %}
{#- Linkage failures that need no ground truth, one failing row per cluster
    and problem:
    - two different valid NHS numbers in one person;
    - two person ids of one service (social care ids, council tax parties),
      which clustering keeps apart unless strong links bridge them;
    - dates of birth that cannot be the same person's (years of birth more
      than one apart: a typo or exchanged day and month stays within a year);
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
        max(birth_year) - min(birth_year) as birth_year_spread
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
    where birth_year_spread > 1
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
