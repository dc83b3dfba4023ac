{{ config(severity=var('match_rate_drift_severity', 'warn')) }}

-- A service's cross-service match rate that moved by more than
-- var('match_rate_drift_tolerance') (default 5 points) since the previous
-- build: a delivery with broken identifiers, or a linkage change, shows here
-- before it skews a dashboard.
with

history as (
    select * from {{ ref('int_linkage__match_rate_history') }}
),

ordered as (
    select
        *,
        lag(cross_service_record_rate) over (
            partition by commission_id, service_code order by built_at
        ) as previous_rate,
        row_number() over (partition by commission_id, service_code order by built_at desc) as recency
    from history
)

select
    commission_id,
    service_code,
    previous_rate,
    cross_service_record_rate,
    cross_service_record_rate - previous_rate as drift
from ordered
where recency = 1 and abs(cross_service_record_rate - previous_rate) > {{ var('match_rate_drift_tolerance', 0.05) }}
