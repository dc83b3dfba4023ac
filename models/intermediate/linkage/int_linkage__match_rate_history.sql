{{ config(materialized='incremental', incremental_strategy='append') }}

{#- One row per build, commission and service: how many of the service's
    records the linkage joined to another record, and to a record of another
    service. Appended every build, so drift between builds is visible (and
    tested: tests/linkage/assert_match_rates_stable.sql). -#}

with

keyed as (
    select * from {{ ref('int_person_records__keyed') }}
),

person_profiles as (
    select
        commission_id,
        person_key,
        count(*) as record_count,
        count(distinct service_code) as service_count
    from keyed
    group by commission_id, person_key
),

rates as (
    select
        cast('{{ run_started_at.isoformat() }}' as timestamp) as built_at,
        '{{ invocation_id }}' as invocation_id,
        keyed.commission_id,
        keyed.service_code,
        count(*) as record_count,
        count(*) filter (where person_profiles.record_count > 1) as linked_record_count,
        count(*) filter (where person_profiles.service_count > 1) as cross_service_record_count
    from keyed
    inner join person_profiles
        on
            keyed.commission_id = person_profiles.commission_id
            and keyed.person_key = person_profiles.person_key
    group by keyed.commission_id, keyed.service_code
)

select
    *,
    linked_record_count / record_count as linked_record_rate,
    cross_service_record_count / record_count as cross_service_record_rate
from rates
