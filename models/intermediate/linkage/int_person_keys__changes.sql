{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ forget_unfinished_builds() }}") }}

{#- Append-only log of person keys that changed between builds: a merge when a
    previous key disappeared into another person's key, a split when some
    records left a key that still exists. One row per build, previous key and
    new key; a build with no changes adds nothing. -#}

with

assigned as (
    select * from {{ ref('int_person_keys__assigned') }}
),

moved as (
    select
        commission_id,
        previous_person_key,
        person_key,
        count(*) as record_count
    from assigned
    where previous_person_key is not null and previous_person_key <> person_key
    group by commission_id, previous_person_key, person_key
),

surviving_keys as (
    select distinct person_key from assigned
),

changes as (
    select
        cast('{{ run_started_at.isoformat() }}' as timestamp) as changed_at,
        '{{ invocation_id }}' as invocation_id,
        moved.commission_id,
        moved.previous_person_key,
        moved.person_key,
        case when surviving_keys.person_key is null then 'merge' else 'split' end as change_type,
        moved.record_count
    from moved
    left join surviving_keys
        on moved.previous_person_key = surviving_keys.person_key
)

select * from changes
