{#- How many records each linked person has, as a distribution: a long tail
    of very large persons means over-linking; a spike at one record in a
    service that should overlap others means under-linking. -#}

with

keyed as (
    select * from {{ ref('int_person_records__keyed') }}
),

person_sizes as (
    select
        commission_id,
        person_key,
        count(*) as record_count
    from keyed
    group by commission_id, person_key
),

distribution as (
    select
        commission_id,
        least(record_count, 20) as records_per_person,
        count(*) as person_count,
        sum(record_count) as record_count
    from person_sizes
    group by commission_id, least(record_count, 20)
),

described as (
    select
        commission_id,
        records_per_person,
        person_count,
        record_count,
        records_per_person = 20 as is_twenty_or_more
    from distribution
)

select * from described
