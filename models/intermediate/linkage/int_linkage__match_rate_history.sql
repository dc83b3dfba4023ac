{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ forget_unfinished_builds() }}") }}

{#- One row per build, commission and service: how many of the service's
    records the linkage joined to another record, and to a record of another
    service. Appended every build, so drift between builds is visible (and
    tested: tests/dbt/linkage/assert_match_rates_stable.sql). -#}

with

match_counts as (
    select * from {{ ref('int_linkage__matches_counted') }}
),

rates as (
    select
        cast('{{ run_started_at.isoformat() }}' as timestamp) as built_at,
        '{{ invocation_id }}' as invocation_id,
        commission_id,
        service_code,
        cast(sum(record_count) as bigint) as record_count,
        cast(sum(linked_record_count) as bigint) as linked_record_count,
        cast(sum(cross_service_record_count) as bigint) as cross_service_record_count
    from match_counts
    group by commission_id, service_code
)

select
    *,
    linked_record_count / record_count as linked_record_rate,
    cross_service_record_count / record_count as cross_service_record_rate
from rates
