{#- Match rates for the data-quality dashboard: per commission, service and
    delivery, how many records the linkage joined to another record, and to a
    record of another service. A delivery whose rates fall below its service's
    usual level has identifiers worth checking. -#}

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
        keyed.commission_id,
        keyed.service_code,
        keyed.delivery_file,
        count(*) as record_count,
        count(*) filter (where person_profiles.record_count > 1) as linked_record_count,
        count(*) filter (where person_profiles.service_count > 1) as cross_service_record_count
    from keyed
    inner join person_profiles
        on
            keyed.commission_id = person_profiles.commission_id
            and keyed.person_key = person_profiles.person_key
    group by keyed.commission_id, keyed.service_code, keyed.delivery_file
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
    from rates
)

select * from described
