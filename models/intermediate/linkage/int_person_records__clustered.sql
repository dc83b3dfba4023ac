{#- Every spine record with its person cluster (records of the same person,
    within one commission), its strongest scored link, whether a deterministic
    link holds it, and the residual rule that placed it, if one did. The
    linkage's steps, in order: int_linkage__scored_pairs (Splink),
    int_linkage__deterministic_pairs, int_linkage__edges,
    int_linkage__connected_records (Splink's clustering),
    int_linkage__clusters_separated (cannot-link), int_linkage__placed_at_address
    and int_linkage__placed_after_move (residual passes). -#}

with

records as (
    select * from {{ ref('int_linkage__records') }}
),

scored_pairs as (
    select * from {{ ref('int_linkage__scored_pairs') }}
),

edges as (
    select * from {{ ref('int_linkage__edges') }}
),

placed_at_address as (
    select * from {{ ref('int_linkage__placed_at_address') }}
),

placed_after_move as (
    select * from {{ ref('int_linkage__placed_after_move') }}
),

scored_ends as (
    select
        record_token_l as record_token,
        match_weight,
        match_probability
    from scored_pairs
    union all
    select
        record_token_r,
        match_weight,
        match_probability
    from scored_pairs
),

strongest as (
    select
        record_token,
        max(match_weight) as best_match_weight,
        max(match_probability) as best_match_probability
    from scored_ends
    group by record_token
),

deterministic as (
    select record_token_l as record_token from edges
    where is_deterministic
    union
    select record_token_r from edges
    where is_deterministic
),

clustered as (
    select
        records.commission_id,
        records.record_token,
        strongest.best_match_weight,
        strongest.best_match_probability,
        records.is_strong as can_anchor_person,
        min(records.record_token) over (partition by placed_after_move.cluster_token) as cluster_token,
        deterministic.record_token is not null as is_deterministic,
        coalesce(placed_at_address.residual_rule, placed_after_move.residual_rule) as residual_rule
    from records
    inner join placed_after_move on records.record_token = placed_after_move.record_token
    inner join placed_at_address on records.record_token = placed_at_address.record_token
    left join strongest on records.record_token = strongest.record_token
    left join deterministic on records.record_token = deterministic.record_token
)

select * from clustered
