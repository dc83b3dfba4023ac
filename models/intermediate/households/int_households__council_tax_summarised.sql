{#- Each linked household's council tax position, from the current records
    of Revenues and Benefits: the largest arrears balance on any of its
    liable parties' accounts (joint parties repeat the account's balance) and
    whether it gets council tax reduction (the account's CTR award, or any of
    its people on a CTR claim). Households with no council tax record are
    absent. -#}

with

liable_parties as (
    select * from {{ ref('stg_revenues_benefits__ctax_liable_parties') }}
),

claim_members as (
    select * from {{ ref('stg_revenues_benefits__ctr_claim_members') }}
),

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

council_tax_records as (
    select
        record_token,
        arrears_balance,
        coalesce(has_council_tax_reduction, false) as has_council_tax_reduction
    from liable_parties
    where is_current_version and quarantine_reason is null
    union all
    select
        record_token,
        null as arrears_balance,
        true as has_council_tax_reduction
    from claim_members
    where is_current_version and quarantine_reason is null
),

household_records as (
    select
        person_records.commission_id,
        person_records.household_key,
        council_tax_records.arrears_balance,
        council_tax_records.has_council_tax_reduction
    from council_tax_records
    inner join person_records
        on council_tax_records.record_token = person_records.record_token
    where person_records.household_key is not null
),

summarised as (
    select
        commission_id,
        household_key,
        max(arrears_balance) as arrears_balance,
        bool_or(has_council_tax_reduction) as has_council_tax_reduction
    from household_records
    group by commission_id, household_key
)

select * from summarised
