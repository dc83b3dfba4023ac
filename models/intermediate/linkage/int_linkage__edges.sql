{#- The edges clustering joins records by: scored pairs at the cluster
    threshold (var linkage_cluster_threshold) and the deterministic pass. A
    record that cannot anchor a person (no date of birth and no NHS number, or a
    name missing) keeps only its single best edge, preferring one to a record
    that can, so such a record can join a person but never bridge two. -#}

with

records as (
    select * from {{ ref('int_linkage__records') }}
),

scored_pairs as (
    select * from {{ ref('int_linkage__scored_pairs') }}
),

deterministic_pairs as (
    select * from {{ ref('int_linkage__deterministic_pairs') }}
),

candidate_edges as (
    select
        commission_id,
        record_token_l,
        record_token_r,
        match_probability,
        false as is_deterministic
    from scored_pairs
    where match_probability >= {{ var('linkage_cluster_threshold') }}
    union all
    select
        commission_id,
        record_token_l,
        record_token_r,
        1.0 as match_probability,
        true as is_deterministic
    from deterministic_pairs
),

edges as (
    select
        candidate_edges.commission_id,
        candidate_edges.record_token_l,
        candidate_edges.record_token_r,
        max(candidate_edges.match_probability) as match_probability,
        bool_or(candidate_edges.is_deterministic) as is_deterministic,
        any_value(left_record.is_strong) as is_strong_l,
        any_value(right_record.is_strong) as is_strong_r
    from candidate_edges
    inner join records as left_record on candidate_edges.record_token_l = left_record.record_token
    inner join records as right_record on candidate_edges.record_token_r = right_record.record_token
    group by candidate_edges.commission_id, candidate_edges.record_token_l, candidate_edges.record_token_r
),

weak_ends as (
    select
        record_token_l as weak_record_token,
        is_strong_r as other_is_strong,
        commission_id,
        record_token_l,
        record_token_r,
        match_probability,
        is_deterministic
    from edges
    where not is_strong_l
    union all
    select
        record_token_r as weak_record_token,
        is_strong_l as other_is_strong,
        commission_id,
        record_token_l,
        record_token_r,
        match_probability,
        is_deterministic
    from edges
    where not is_strong_r
),

best_weak_edges as (
    select
        commission_id,
        record_token_l,
        record_token_r,
        match_probability,
        is_deterministic
    from weak_ends
    qualify row_number() over (
        partition by weak_record_token
        order by other_is_strong desc, match_probability desc, record_token_l asc, record_token_r asc
    ) = 1
),

kept_edges as (
    select
        commission_id,
        record_token_l,
        record_token_r,
        match_probability,
        is_deterministic
    from edges
    where is_strong_l and is_strong_r
    union
    select * from best_weak_edges
)

select * from kept_edges
