{#- Per commission, service and delivery: the spine's records, how many the
    linkage joined to another record, and how many to a record of another
    service. A record belongs to the delivery of its current version. The one
    place these counts are made; the match rate mart, the match rate history
    and the delivery profile read them. -#}

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

match_counts as (
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
)

select * from match_counts
