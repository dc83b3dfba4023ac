{#- Stable person keys. Every build links records afresh into clusters; this
    model gives each cluster the key its records had in the previous build, so
    dashboards and snapshots do not churn:
    - each previous key goes to the cluster now holding most of its records
      (its heir), and each cluster keeps the heir key sharing most records;
    - a cluster no previous key goes to gets a new key derived from its
      smallest record token (so a first build is deterministic);
    - previous_person_key records each record's key in the previous build;
      int_person_keys__changes turns the differences into merges and splits.
    It reads its own previous version ({{ this }}) before dbt replaces it. -#}

{%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) if execute else none %}

with

clusters as (
    select * from {{ ref('int_person_records__clustered') }}
),

previous_keys as (
    {%- if previous is not none %}
    select
        record_token,
        person_key
    from {{ previous }}
    {%- else %}
    select
        cast(null as varchar) as record_token,
        cast(null as varchar) as person_key
    where false
    {%- endif %}
),

key_overlaps as (
    select
        clusters.cluster_token,
        previous_keys.person_key,
        count(*) as shared_record_count
    from clusters
    inner join previous_keys
        on clusters.record_token = previous_keys.record_token
    group by clusters.cluster_token, previous_keys.person_key
),

heirs as (
    select * from key_overlaps
    qualify row_number() over (
        partition by person_key order by shared_record_count desc, cluster_token asc
    ) = 1
),

kept_keys as (
    select
        cluster_token,
        person_key
    from heirs
    qualify row_number() over (
        partition by cluster_token order by shared_record_count desc, person_key asc
    ) = 1
),

cluster_keys as (
    select
        clusters.cluster_token,
        kept_keys.person_key as kept_person_key,
        'P' || left(sha256('person_key' || chr(31) || clusters.cluster_token), 16) as derived_person_key
    from (select distinct cluster_token from clusters) as clusters
    left join kept_keys
        on clusters.cluster_token = kept_keys.cluster_token
),

keyed_clusters as (
    select
        cluster_token,
        coalesce(
            kept_person_key,
            -- a derived key some other cluster still holds is reissued, never shared
            case
                when derived_person_key in (select kept.person_key from kept_keys as kept)
                    then 'P' || left(sha256('person_key' || chr(31) || cluster_token || chr(31) || 'reissued'), 16)
                else derived_person_key
            end
        ) as person_key
    from cluster_keys
),

assigned as (
    select
        clusters.record_token,
        clusters.commission_id,
        clusters.cluster_token,
        keyed_clusters.person_key,
        previous_keys.person_key as previous_person_key,
        clusters.best_match_weight,
        clusters.best_match_probability,
        clusters.is_deterministic
    from clusters
    inner join keyed_clusters
        on clusters.cluster_token = keyed_clusters.cluster_token
    left join previous_keys
        on clusters.record_token = previous_keys.record_token
)

select * from assigned
