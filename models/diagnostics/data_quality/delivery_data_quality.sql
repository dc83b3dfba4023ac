{#- Data quality per delivery file, loaded or set aside by the pre-load
    check (its status, and the line and problem that set it aside), for the
    services that supply them and the Hub: rows received, rejected and quarantined, invalid identifiers,
    records that did not geocode, the match rate (records linked to another
    record of the same person, in any service) and freshness: days from the
    extract to the as-of date, judged against the source's own freshness
    thresholds (its `freshness` config, via int_sources__freshness_thresholds)
    for the latest delivery of each extract. The latest delivery is the last
    accepted one in the delivery order (delivery_sequence, decided once in
    stg_landing__delivery_checks), the same rule that picks each record's
    current version in the spine. -#}

{%- set as_of = "date '" ~ as_of_date() ~ "'" %}

with

deliveries as (
    select * from {{ ref('int_deliveries__profiled') }}
),

freshness_thresholds as (
    select * from {{ ref('int_sources__freshness_thresholds') }}
),

ranked as (
    select
        *,
        datediff('day', cast(extracted_at as date), {{ as_of }}) as days_since_extract,
        coalesce(
            delivery_sequence = max(delivery_sequence) over (partition by commission_id, service_code, source_table),
            false
        ) as is_latest_delivery
    from deliveries
),

judged as (
    select
        ranked.commission_id,
        ranked.service_code,
        ranked.source_table,
        ranked.delivery_file,
        ranked.delivery_status,
        cast(ranked.problem_line_number as bigint) as problem_line_number,
        ranked.delivery_problem,
        ranked.extracted_at,
        ranked.is_latest_delivery,
        cast(ranked.days_since_extract as integer) as days_since_extract,
        cast(ranked.received_row_count as bigint) as received_row_count,
        cast(ranked.parser_rejected_row_count as bigint) as parser_rejected_row_count,
        cast(ranked.quarantined_row_count as bigint) as quarantined_row_count,
        cast(ranked.duplicate_row_count as bigint) as duplicate_row_count,
        cast(ranked.invalid_nhs_number_count as bigint) as invalid_nhs_number_count,
        cast(ranked.invalid_postcode_count as bigint) as invalid_postcode_count,
        cast(ranked.invalid_birth_date_count as bigint) as invalid_birth_date_count,
        cast(ranked.current_record_count as bigint) as current_record_count,
        cast(ranked.not_geocoded_record_count as bigint) as not_geocoded_record_count,
        cast(ranked.linked_record_count as bigint) as linked_record_count,
        cast(ranked.cross_service_linked_record_count as bigint) as cross_service_linked_record_count,
        case
            when ranked.delivery_status <> 'accepted' then 'not loaded'
            when not ranked.is_latest_delivery then 'superseded'
            when freshness_thresholds.source_table is null then 'not monitored'
            when ranked.days_since_extract > freshness_thresholds.error_after_days then 'error'
            when ranked.days_since_extract > freshness_thresholds.warn_after_days then 'warn'
            else 'fresh'
        end as freshness_status,
        round(cast(ranked.quarantined_row_count as double) / nullif(ranked.received_row_count, 0), 4)
            as quarantined_row_rate,
        round(cast(ranked.not_geocoded_record_count as double) / nullif(ranked.current_record_count, 0), 4)
            as not_geocoded_record_rate,
        round(cast(ranked.linked_record_count as double) / nullif(ranked.current_record_count, 0), 4) as match_rate,
        round(cast(ranked.cross_service_linked_record_count as double) / nullif(ranked.current_record_count, 0), 4)
            as cross_service_match_rate
    from ranked
    left join freshness_thresholds
        on
            ranked.service_code = freshness_thresholds.service_code
            and ranked.source_table = freshness_thresholds.source_table
)

select * from judged
