{#- Histogram of each record's strongest pairwise match weight (log2 Bayes
    factor) in bins of 2, per commission and service; records with no pair
    scoring 0.5 or more fall in the bin with no weight. A well-separated model
    shows two humps with little in between. -#}

with

clustered as (
    select * from {{ ref('int_person_records__clustered') }}
),

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

binned as (
    select
        clustered.commission_id,
        person_records.service_code,
        cast(floor(clustered.best_match_weight / 2) * 2 as integer) as match_weight_bin_lower
    from clustered
    inner join person_records
        on clustered.record_token = person_records.record_token
),

histogram as (
    select
        commission_id,
        service_code,
        match_weight_bin_lower,
        match_weight_bin_lower + 2 as match_weight_bin_upper,
        count(*) as record_count
    from binned
    group by commission_id, service_code, match_weight_bin_lower
)

select * from histogram
