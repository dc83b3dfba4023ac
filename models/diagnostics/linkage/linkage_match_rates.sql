{#- Match rates for the data-quality dashboard: per commission, service and
    delivery, how many records the linkage joined to another record, and to a
    record of another service. A delivery whose rates fall below its service's
    usual level has identifiers worth checking. -#}

with

match_counts as (
    select * from {{ ref('int_linkage__matches_counted') }}
),

described as (
    select
        commission_id,
        service_code,
        delivery_file,
        record_count,
        linked_record_count,
        cross_service_record_count,
        round(linked_record_count / record_count, 4) as linked_record_rate,
        round(cross_service_record_count / record_count, 4) as cross_service_record_rate
    from match_counts
)

select * from described
