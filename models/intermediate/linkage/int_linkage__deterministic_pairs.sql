{#- The deterministic pass: pairs of records of one commission with the same
    valid NHS number and the same date of birth are one person, whatever their
    probabilistic score. -#}

with

records as (
    select * from {{ ref('int_linkage__records') }}
),

deterministic_pairs as (
    select
        left_record.commission_id,
        left_record.record_token as record_token_l,
        right_record.record_token as record_token_r
    from records as left_record
    inner join records as right_record
        on
            left_record.commission_id = right_record.commission_id
            and left_record.nhs_number_token = right_record.nhs_number_token
            and left_record.birth_date_token = right_record.birth_date_token
            and left_record.record_token < right_record.record_token
)

select * from deterministic_pairs
