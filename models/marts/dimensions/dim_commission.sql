{#- The commissions register with the date each commission's outputs must be
    gone by: the aggregate_output retention class, capped (like everything
    the Hub holds) vars.hub_retention_years after the commission closes, and extended by
    a retention exception only while its review date has not passed
    (macro retention_expiry_date). -#}

{%- set as_of = "date '" ~ as_of_date() ~ "'" %}

with

commissions as (
    select * from {{ ref('commissions') }}
),

risk_assessments as (
    select * from {{ ref('risk_assessments') }}
),

retention_schedule as (
    select * from {{ ref('retention_schedule') }}
),

retention_exceptions as (
    select * from {{ ref('retention_exceptions') }}
),

sharing_approvals as (
    select * from {{ ref('sharing_approvals') }}
),

output_exceptions as (
    -- exceptions for the whole commission or for its aggregate outputs
    select
        commission_id,
        max(extended_until) as extended_until,
        max(review_date) as review_date
    from retention_exceptions
    where coalesce(retention_class, 'aggregate_output') = 'aggregate_output'
    group by commission_id
),

approvals as (
    select
        commission_id,
        count(*) filter (
            where approved_date <= {{ as_of }} and coalesce(expires_date >= {{ as_of }}, true)
        ) as in_date_approval_count
    from sharing_approvals
    group by commission_id
),

described as (
    select
        commissions.commission_id,
        commissions.commission_title,
        commissions.commissioning_service,
        commissions.purpose,
        commissions.agreed_data_categories,
        commissions.lawful_basis,
        commissions.start_date,
        commissions.close_date,
        commissions.status,
        commissions.risk_assessment_id,
        risk_assessments.status as risk_assessment_status,
        risk_assessments.review_date as risk_assessment_review_date,
        {{ retention_expiry_date(
            'commissions.close_date', 'retention_schedule.retention_years', 'retention_schedule.retention_trigger',
            'commissions.close_date', 'output_exceptions.extended_until', 'output_exceptions.review_date', as_of
        ) }} as retention_expires_on,
        cast(coalesce(approvals.in_date_approval_count, 0) as bigint) as in_date_sharing_approval_count
    from commissions
    cross join retention_schedule
    left join risk_assessments
        on commissions.risk_assessment_id = risk_assessments.risk_assessment_id
    left join output_exceptions
        on commissions.commission_id = output_exceptions.commission_id
    left join approvals
        on commissions.commission_id = approvals.commission_id
    where retention_schedule.retention_class = 'aggregate_output'
),

flagged as (
    select
        *,
        retention_expires_on < {{ as_of }} as is_retention_expired
    from described
)

select * from flagged
