"""Link one commission's pseudonymised records into people with Splink.

`link_records(session, input_sql)` runs on a live DuckDB connection (the
`session` a dbt-duckdb Python model receives, or any connection in a
benchmark) and returns, for every record, the record it clusters with that has
the smallest token (the cluster's token) and its strongest link. Splink's
working tables live in a private in-memory database attached for the run and
detached afterwards, so nothing it creates reaches the warehouse file and the
caller's connection is untouched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, block_on
from splink.internals import expectation_maximisation

from insight_hub.linkage import settings as linkage_settings

LOG_LEVEL = logging.WARNING  # Splink logs every step at INFO


@dataclass
class LinkageResult:
    """Per-record clusters, the model that made them, and what it cost."""

    records: pa.Table  # record_token, cluster_token, best_match_weight, best_match_probability, is_deterministic
    model: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    scored_pairs: int = 0
    plan: TrainingPlan | None = None  # how the model was trained; None for a model given


def _practice_wards_sql(records_table: str) -> str:
    """Each GP practice's ward: the one most of its patients with an address
    live in, when it holds at least PRACTICE_WARD_MIN_SHARE of them."""
    return f"""
    select gp_practice_token, ward_code as practice_ward_code
    from {records_table}
    where gp_practice_token is not null and ward_code is not null
    group by gp_practice_token, ward_code
    qualify row_number() over (partition by gp_practice_token order by count(*) desc, ward_code) = 1
        and count(*) >= {linkage_settings.PRACTICE_WARD_MIN_SHARE} * sum(count(*)) over (partition by gp_practice_token)
    """


def linkage_input_sql(spine_sql: str, token_sets_sql: str, commission_id: str) -> str:
    """SQL of one commission's records as the linkage reads them (settings.INPUT_COLUMNS):
    the spine's columns, a postcode that is not a UK one standing in for a missing
    postcode token, and the record's token sets from the view that computes them."""
    if not re.fullmatch("[A-Za-z0-9-]+", commission_id):
        raise ValueError(f"{commission_id!r} is not a commission id")
    spine_columns = ", ".join(
        f"spine.{c}" for c in linkage_settings.SPINE_COLUMNS if c not in ("postcode_token", "unplaced_postcode_token")
    )
    set_columns = ", ".join(f"token_sets.{c}" for c in linkage_settings.TOKEN_SET_COLUMNS)
    return f"""
    select {spine_columns}, coalesce(spine.postcode_token, spine.unplaced_postcode_token) as postcode_token,
        {set_columns}
    from ({spine_sql}) as spine
    left join ({token_sets_sql}) as token_sets
        on spine.commission_id = token_sets.commission_id and spine.record_token = token_sets.record_token
    where spine.commission_id = '{commission_id}'"""


def _bloom_sql(token_list: str) -> str:
    """A 127-bit filter of a list of integer tokens (bit token mod 127 set for
    each): the Dice coefficient of two filters' bits stands in for their
    sets', at the cost of a few colliding bits, and is 50 times quicker to
    compute than intersecting the lists."""
    return f"list_reduce(list_transform({token_list}, lambda token: 1::hugeint << (token % 127)::hugeint), lambda a, b: a | b)"


def _integer_input_sql(input_sql: str) -> str:
    """The input with each compared token replaced by its first 64 bits, each
    set of letter pairs by its bit filter (settings.BLOOM_COLUMNS), and the
    date-of-birth parts as three tokens."""
    tokens = ",\n    ".join(
        f"('0x' || substr({c}, 1, 16))::ubigint as {c}" for c in linkage_settings.INTEGER_TOKEN_COLUMNS
    )
    token_lists = ",\n    ".join(
        f"list_transform({c}, lambda token: ('0x' || substr(token, 1, 16))::ubigint) as {c}"
        for c in linkage_settings.INTEGER_TOKEN_LIST_COLUMNS
    )
    blooms = ",\n    ".join(
        f"{_bloom_sql(tokens)} as {bloom}" for bloom, tokens in linkage_settings.BLOOM_COLUMNS.items()
    )
    return f"""with linkage_input as (
    select * from ({input_sql})
),
practice_wards as ({_practice_wards_sql("linkage_input")}),
integer_input as (
    select
        ('0x' || substr(record_token, 1, 15))::bigint as record_id,
        record_token, service_code, birth_year, latest_birth_year, sex, is_forename_initial, ward_code,
        practice_wards.practice_ward_code,
        {linkage_settings.STRONG_RECORD_SQL} as is_strong,
        {tokens},
        {token_lists}
    from linkage_input
    left join practice_wards using (gp_practice_token)
)
select
    * exclude (forename_bigram_tokens, surname_bigram_tokens, address_bigram_tokens, birth_date_part_tokens),
    {blooms},
    birth_date_part_tokens[2] as birth_month_token,
    birth_date_part_tokens[3] as birth_day_token
from integer_input"""


def _pairs(con: duckdb.DuckDBPyConnection, input_table: str, columns: tuple[str, ...]) -> int:
    """How many record pairs agree on every one of `columns` (none null)."""
    known = " and ".join(f"{c} is not null" for c in columns)
    return int(
        con.sql(f"""
            select coalesce(sum(n * (n - 1) / 2), 0) from (
                select count(*) as n from {input_table} where {known} group by {", ".join(columns)}
            )
        """).fetchall()[0][0]
    )


@dataclass(frozen=True)
class TrainingPlan:
    """The blocking rules a commission's model is trained with, chosen from the data it has."""

    deterministic: tuple[tuple[str, ...], ...]
    em_blocks: tuple[tuple[str, ...], ...]
    untrained: tuple[str, ...]  # comparisons no chosen block can estimate m for

    def describe(self) -> str:
        blocks = "; ".join(" and ".join(block) for block in self.em_blocks) or "none"
        line = f"EM on pairs with the same {blocks}"
        if self.untrained:
            line += f"; not trained, so they count for nothing: {', '.join(self.untrained)}"
        return line


def training_plan(con: duckdb.DuckDBPyConnection, input_table: str, linker: Linker) -> TrainingPlan:
    """The deterministic rules and EM blocks this input can train with: the first
    tier of deterministic rules that finds pairs, and each EM block candidate
    with at least MIN_EM_PAIRS pairs that estimates a comparison still
    untrained (one whose columns it does not block on, as Splink decides). A
    comparison whose columns are null throughout needs no training."""
    comparisons = {
        cc.output_column_name: {column.input_name for column in cc._input_columns_used_by_case_statement}
        for cc in linker._settings_obj.comparisons
    }
    # a comparison counts as evidence only where the column it is named after has values
    present = {
        name
        for name, columns in comparisons.items()
        if con.sql(
            f"select count(*) from {input_table} where " + " or ".join(f"{c} is not null" for c in sorted(columns))
        ).fetchall()[0][0]
        > 1
    }
    deterministic: tuple[tuple[str, ...], ...] = ()
    for tier in linkage_settings.DETERMINISTIC_RULE_TIERS:
        deterministic = tuple(rule for rule in tier if _pairs(con, input_table, rule) > 0)
        if deterministic:
            break
    untrained = set(present)
    em_blocks = []
    for block in linkage_settings.EM_BLOCK_CANDIDATES:
        trains = {name for name in untrained if not comparisons[name] & set(block)}
        if trains and _pairs(con, input_table, block) >= linkage_settings.MIN_EM_PAIRS:
            em_blocks.append(block)
            untrained -= trains
    return TrainingPlan(deterministic, tuple(em_blocks), tuple(sorted(untrained)))


# The least m or u a trained model keeps: one pair in a trillion is "never" to any record set.
MIN_PROBABILITY = 1e-12


@contextmanager
def _probabilities_floored() -> Iterator[None]:
    """EM lets a level it sees only among non-matches (a forename given as the
    other's surname, on pairs sharing a date of birth) fall towards zero, and
    Splink 5.0.0 then refuses its own estimate (below 1e-300) and stops
    training. Each m and u EM computes is kept at MIN_PROBABILITY or above."""
    original = expectation_maximisation.populate_m_u_from_lookup

    def floored(fixed: set[str], level: Any, name: str, lookup: dict[str, dict[int, Any]]) -> None:
        for record in lookup.get(name, {}).values():
            for probability in ("m_probability", "u_probability"):
                if isinstance(record.get(probability), float):
                    record[probability] = max(record[probability], MIN_PROBABILITY)
        original(fixed, level, name, lookup)

    expectation_maximisation.populate_m_u_from_lookup = floored  # type: ignore[assignment]  # same call, looser types
    try:
        yield
    finally:
        expectation_maximisation.populate_m_u_from_lookup = original


class UntrainableCommission(RuntimeError):
    """A commission's records give no pairs to estimate the model on."""


def _train(sdf: Any, con: duckdb.DuckDBPyConnection, input_table: str) -> tuple[dict[str, Any], TrainingPlan]:
    linker = Linker(sdf, linkage_settings.splink_settings(), log_level=LOG_LEVEL)
    plan = training_plan(con, input_table, linker)
    if not plan.deterministic or not plan.em_blocks:
        raise UntrainableCommission(
            "no pairs of records share a date of birth, an NHS number, a surname and postcode, or a full name: "
            "declare more identifying roles, or give the commission a reviewed model (var linkage_model_dir)"
        )
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in plan.deterministic], recall=linkage_settings.LAMBDA_RECALL
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=linkage_settings.U_MAX_PAIRS, seed=linkage_settings.U_SEED
    )
    with _probabilities_floored():
        for block in plan.em_blocks:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*block), estimate_without_term_frequencies=True
            )
    model = linker.misc.save_model_to_json()
    linker.table_management.invalidate_cache()
    return model, plan


def _edges_sql(predict_table: str, input_table: str) -> str:
    """Clustering edges: probabilistic pairs at the cluster threshold plus the
    deterministic pass (same valid NHS number and same date of birth), with
    records that cannot anchor a person (no date of birth and no NHS number)
    keeping only their single best edge, preferring one to a strong record, so
    that such a record can never bridge two people."""
    return f"""
    with strength as (
        select record_id, is_strong from {input_table}
    ),
    deterministic as (
        select left_record.record_id as record_id_l, right_record.record_id as record_id_r
        from {input_table} as left_record
        inner join {input_table} as right_record
            on left_record.nhs_number_token = right_record.nhs_number_token
            and left_record.birth_date_token = right_record.birth_date_token
            and left_record.record_id < right_record.record_id
    ),
    scored as (
        select record_id_l, record_id_r, match_probability, false as is_deterministic
        from {predict_table}
        where match_probability >= {linkage_settings.CLUSTER_THRESHOLD}
        union all
        select record_id_l, record_id_r, 1.0, true from deterministic
    ),
    edges as (
        select
            scored.record_id_l, scored.record_id_r, max(scored.match_probability) as match_probability,
            bool_or(scored.is_deterministic) as is_deterministic,
            any_value(left_strength.is_strong) as is_strong_l, any_value(right_strength.is_strong) as is_strong_r
        from scored
        inner join strength as left_strength on scored.record_id_l = left_strength.record_id
        inner join strength as right_strength on scored.record_id_r = right_strength.record_id
        group by scored.record_id_l, scored.record_id_r
    ),
    weak_ends as (
        select record_id_l as weak_record, is_strong_r as other_is_strong, record_id_l, record_id_r, match_probability, is_deterministic
        from edges where not is_strong_l
        union all
        select record_id_r, is_strong_l, record_id_l, record_id_r, match_probability, is_deterministic
        from edges where not is_strong_r
    ),
    best_weak_edges as (
        select record_id_l, record_id_r, match_probability, is_deterministic from weak_ends
        qualify row_number() over (
            partition by weak_record order by other_is_strong desc, match_probability desc, record_id_l, record_id_r
        ) = 1
    )
    select record_id_l, record_id_r, match_probability, is_deterministic from edges where is_strong_l and is_strong_r
    union
    select record_id_l, record_id_r, match_probability, is_deterministic from best_weak_edges
    """


def _separated_sql(clusters_table: str, edges_table: str, input_table: str) -> str:
    """Clusters with the cannot-link rule applied: two records of one service
    with different person identifiers of that service are two people. Where a
    cluster holds several of a service's person identifiers, the one with a
    strong record, else the strongest link, keeps its place; weak records of
    the others leave as singletons."""
    return f"""
        with edge_ends as (
            select record_id_l as record_id, match_probability from {edges_table}
            union all
            select record_id_r, match_probability from {edges_table}
        ),
        members as (
            select clusters.cluster_id, input.record_id, input.is_strong, input.service_code, input.source_person_token,
                coalesce(max(edge_ends.match_probability), 0) as link_probability
            from {clusters_table} as clusters
            inner join {input_table} as input on clusters.record_id = input.record_id
            left join edge_ends on clusters.record_id = edge_ends.record_id
            group by all
        ),
        kept_people as (
            select cluster_id, service_code, source_person_token from members
            where source_person_token is not null
            group by cluster_id, service_code, source_person_token
            qualify row_number() over (
                partition by cluster_id, service_code
                order by bool_or(is_strong) desc, max(link_probability) desc, source_person_token
            ) = 1
        )
        select
            members.record_id,
            -- a record that leaves gets a cluster id of its own: negative, as no
            -- record id is, so never the id of the cluster it leaves
            case when members.is_strong or members.source_person_token is null or kept_people.cluster_id is not null
                then members.cluster_id else -1 - members.record_id end as cluster_id
        from members
        left join kept_people
            on members.cluster_id = kept_people.cluster_id
            and members.service_code = kept_people.service_code
            and members.source_person_token = kept_people.source_person_token
    """


# The residual passes, in order: each pass's rules, with the candidates they
# read (at the record's address, registered in its ward, where its household
# moved from). The second pass sees the people the first completed.
RESIDUAL_PASSES = (
    [("address", rule) for rule in linkage_settings.RESIDUAL_RULES]
    + [("ward", rule) for rule in linkage_settings.REGISTERED_IN_WARD_RULES],
    [("moved", rule) for rule in linkage_settings.MOVED_HOUSEHOLD_RULES],
)


# The candidate people of each scope: (weak record, candidate record) pairs. A
# pass computes only the scopes its rules read.
CANDIDATES_SQL = {
    "address": """
            select weak.record_id as weak_record_id, candidate.record_id as candidate_record_id, 'address' as scope
            from weak_singletons as weak inner join people as candidate on weak.postcode_token = candidate.postcode_token
            union
            select weak.record_id, candidate.record_id, 'address'
            from weak_singletons as weak inner join people as candidate on weak.uprn_token = candidate.uprn_token""",
    # a person with no address, registered with a GP practice in the record's ward
    "ward": """
            select weak.record_id as weak_record_id, candidate.record_id as candidate_record_id, 'ward' as scope
            from weak_singletons as weak inner join people as candidate
                on weak.ward_code = candidate.practice_ward_code and weak.surname_token = candidate.surname_token
            where not candidate.cluster_has_address""",
    "moved": """
            select weak_record_id, candidate_record_id, 'moved' as scope from moved_with_household""",
}


def _residual_sql(clusters_table: str, input_table: str, scoped_rules: list[tuple[str, tuple[str, str]]]) -> str:
    """The cluster each weak singleton joins by the first of `scoped_rules`
    that gives it exactly one candidate person (a cluster with a record dated
    by birth or NHS number) among the rule's candidates: at its address
    (postcode or UPRN); without an address, registered with a GP practice in
    its ward; at the postcode its household moved from. Never a person
    holding, or also chosen by, another person identifier of its service."""
    rules = " union ".join(
        f"""
        select weak.record_id, candidate.cluster_id, {order} as rule_order, '{name}' as rule
        from neighbours
        inner join sized as weak on neighbours.weak_record_id = weak.record_id
        inner join sized as candidate on neighbours.candidate_record_id = candidate.record_id
        where neighbours.scope = '{scope}' and {condition}"""
        for order, (scope, (name, condition)) in enumerate(scoped_rules)
    )
    return f"""
        with sized as (
            select
                clusters.cluster_id, input.*, count(*) over (partition by clusters.cluster_id) as cluster_size,
                bool_or(input.postcode_token is not null or input.uprn_token is not null)
                    over (partition by clusters.cluster_id) as cluster_has_address
            from {clusters_table} as clusters
            inner join {input_table} as input on clusters.record_id = input.record_id
        ),
        weak_singletons as (
            select * from sized where not is_strong and cluster_size = 1
        ),
        people as (
            -- records a person is anchored by: a date of birth or an NHS number
            select * from sized where birth_date_token is not null or nhs_number_token is not null
        ),
        named_elsewhere as (
            -- people whose names fit (forename within one slip, same surname) at another postcode
            select distinct
                weak.record_id as weak_record_id, named.record_id as candidate_record_id,
                named.cluster_id as candidate_cluster_id, named.postcode_token as other_postcode
            from (select *, unnest(forename_edit_tokens) as forename_variant from weak_singletons) as weak
            inner join (select *, unnest(forename_edit_tokens) as forename_variant from people) as named
                on weak.surname_token = named.surname_token and weak.forename_variant = named.forename_variant
            where named.postcode_token <> weak.postcode_token
        ),
        cluster_places as (
            select cluster_id, postcode_token as place from sized where postcode_token is not null
            union
            select cluster_id, uprn_token from sized where uprn_token is not null
        ),
        moved_with_household as (
            -- the household moved from the person's other postcode: another person has records
            -- at both places, or another record at the property has its own person there
            select named_elsewhere.weak_record_id, named_elsewhere.candidate_record_id
            from named_elsewhere
            inner join sized as weak on named_elsewhere.weak_record_id = weak.record_id
            where exists (
                select 1
                from cluster_places as here
                inner join cluster_places as there on here.cluster_id = there.cluster_id
                where here.place in (weak.postcode_token, weak.uprn_token)
                    and there.place = named_elsewhere.other_postcode
                    and here.cluster_id not in (named_elsewhere.candidate_cluster_id, weak.cluster_id)
            ) or exists (
                select 1
                from named_elsewhere as housemate_named
                inner join sized as housemate on housemate_named.weak_record_id = housemate.record_id
                where housemate.uprn_token = weak.uprn_token and housemate.record_id <> weak.record_id
                    and housemate_named.other_postcode = named_elsewhere.other_postcode
                    and housemate_named.candidate_cluster_id <> named_elsewhere.candidate_cluster_id
            )
        ),
        candidate_pairs as ({" union ".join(CANDIDATES_SQL[scope] for scope in dict.fromkeys(s for s, _ in scoped_rules))}),
        neighbours as (
            -- sex and the year-of-birth bound must not contradict; no other party of the service
            select candidate_pairs.*
            from candidate_pairs
            inner join sized as weak on candidate_pairs.weak_record_id = weak.record_id
            inner join sized as candidate on candidate_pairs.candidate_record_id = candidate.record_id
            where candidate.cluster_id <> weak.cluster_id
                and (weak.sex is null or candidate.sex is null or weak.sex = candidate.sex)
                and (candidate.birth_year is null or weak.latest_birth_year is null
                     or candidate.birth_year <= weak.latest_birth_year)
                and not exists (
                    select 1 from sized as other
                    where other.cluster_id = candidate.cluster_id and other.service_code = weak.service_code
                        and other.source_person_token <> weak.source_person_token
                )
        ),
        candidates as ({rules}),
        unique_candidates as (
            select record_id, rule_order, any_value(cluster_id) as cluster_id, any_value(rule) as rule
            from candidates
            group by record_id, rule_order
            having count(distinct cluster_id) = 1
        ),
        chosen as (
            select unique_candidates.record_id, unique_candidates.cluster_id, unique_candidates.rule,
                sized.service_code, sized.source_person_token
            from unique_candidates
            inner join sized on unique_candidates.record_id = sized.record_id
            qualify row_number() over (partition by unique_candidates.record_id order by unique_candidates.rule_order) = 1
        )
        -- a person two person identifiers of one service choose takes neither
        select record_id, cluster_id, rule from chosen
        qualify coalesce(
            min(source_person_token) over (partition by cluster_id, service_code)
            = max(source_person_token) over (partition by cluster_id, service_code),
            true
        )
    """


# Pairs the waterfall chart explains: spread across the match weights of the scored pairs.
WATERFALL_PAIRS = 10


def save_charts(
    con: duckdb.DuckDBPyConnection,
    db_api: DuckDBAPI,
    model: dict[str, Any],
    predictions: str,
    input_table: str,
    out_dir: Path,
) -> None:
    """Splink's own charts of a commission's model, as HTML files that open
    offline: match weights, m and u of every level, and a waterfall of how
    the weight of WATERFALL_PAIRS scored pairs adds up (tokens only, and
    Splink's remove_sensitive_data leaves out even those)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    linker = Linker(db_api.register(input_table), model, log_level=LOG_LEVEL)
    linker.visualisations.match_weights_chart().save(str(out_dir / "match_weights.html"), inline=True)
    linker.visualisations.m_u_parameters_chart().save(str(out_dir / "m_u_parameters.html"), inline=True)
    pairs = con.sql(f"""
        select record_id_l, record_id_r from {predictions}
        window by_weight as (order by match_weight, record_id_l, record_id_r)
        qualify (row_number() over by_weight - 1) % greatest(count(*) over () // {WATERFALL_PAIRS}, 1) = 0
        limit {WATERFALL_PAIRS}
    """).fetchall()
    if not pairs:
        return
    ids = ", ".join(str(record_id) for pair in pairs for record_id in pair)
    wanted = " or ".join(f"(l.record_id = {left} and r.record_id = {right})" for left, right in pairs)
    explaining = Linker(
        db_api.register(input_table),
        {
            **model,
            "retain_matching_columns": True,
            "retain_intermediate_calculation_columns": True,
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": f"l.record_id in ({ids}) and r.record_id in ({ids}) and ({wanted})"}
            ],
        },
        log_level=LOG_LEVEL,
    )
    explained = explaining.inference.predict().as_record_list()
    explaining.visualisations.waterfall_chart(explained, remove_sensitive_data=True).save(
        str(out_dir / "waterfall.html"), inline=True
    )


def link_records(
    session: duckdb.DuckDBPyConnection,
    input_sql: str,
    model: dict[str, Any] | None = None,
    charts_dir: Path | None = None,
) -> LinkageResult:
    """Cluster the records `input_sql` selects (fully qualified names; the
    columns of settings.INPUT_COLUMNS). Trains the model unless one is given;
    saves Splink's charts of it to `charts_dir` when given."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    scratch = f"linkage_scratch_{uuid.uuid4().hex[:8]}"
    con = session.cursor()
    home_database, home_schema = con.sql("select current_database(), current_schema()").fetchall()[0]
    con.sql(f"attach ':memory:' as {scratch}")
    con.sql(f"use {scratch}")
    try:
        input_table = f"linkage_input_{scratch[-8:]}"
        con.sql(f"create table {input_table} as {_integer_input_sql(input_sql)}")
        records, distinct_ids = con.sql(f"select count(*), count(distinct record_id) from {input_table}").fetchall()[0]
        if records != distinct_ids:
            raise RuntimeError("two record tokens share their first 60 bits: link on full tokens instead")
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register(input_table)
        seconds["prepare"] = time.perf_counter() - started

        plan = None
        if model is None:
            phase = time.perf_counter()
            model, plan = _train(sdf, con, input_table)
            seconds["train"] = time.perf_counter() - phase
        linker = Linker(sdf, model, log_level=LOG_LEVEL)

        phase = time.perf_counter()
        predictions = linker.inference.predict(threshold_match_probability=linkage_settings.PREDICT_THRESHOLD)
        scored_pairs = con.sql(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]
        seconds["predict"] = time.perf_counter() - phase
        if charts_dir is not None:
            save_charts(con, db_api, model, predictions.physical_name, input_table, charts_dir)

        phase = time.perf_counter()
        edges = linker.misc.query_sql(_edges_sql(predictions.physical_name, input_table))
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            edges, threshold_match_probability=linkage_settings.CLUSTER_THRESHOLD
        )
        separated = f"separated_{scratch[-8:]}"
        con.sql(
            f"create table {separated} as {_separated_sql(clusters.physical_name, edges.physical_name, input_table)}"
        )
        placed = f"placed_{scratch[-8:]}"
        con.sql(f"create table {placed} as select *, cast(null as varchar) as rule from {separated}")
        for number, scoped_rules in enumerate(RESIDUAL_PASSES):
            joined = f"placed_{number}_{scratch[-8:]}"
            con.sql(f"""
                create table {joined} as
                select placed.record_id, coalesce(residual.cluster_id, placed.cluster_id) as cluster_id,
                    coalesce(residual.rule, placed.rule) as rule
                from {placed} as placed
                left join ({_residual_sql(placed, input_table, scoped_rules)}) as residual
                    on placed.record_id = residual.record_id
            """)
            placed = joined
        result = con.sql(f"""
            with strongest as (
                select record_id, max(match_weight) as best_match_weight, max(match_probability) as best_match_probability
                from (
                    select record_id_l as record_id, match_weight, match_probability from {predictions.physical_name}
                    union all
                    select record_id_r, match_weight, match_probability from {predictions.physical_name}
                )
                group by record_id
            ),
            deterministic as (
                select record_id_l as record_id from {edges.physical_name} where is_deterministic
                union
                select record_id_r from {edges.physical_name} where is_deterministic
            )
            select
                clusters.record_token,
                min(clusters.record_token) over (partition by placed.cluster_id) as cluster_token,
                strongest.best_match_weight,
                strongest.best_match_probability,
                deterministic.record_id is not null as is_deterministic,
                placed.rule as residual_rule
            from {clusters.physical_name} as clusters
            inner join {placed} as placed on clusters.record_id = placed.record_id
            left join strongest on clusters.record_id = strongest.record_id
            left join deterministic on clusters.record_id = deterministic.record_id
        """).to_arrow_table()
        seconds["cluster"] = time.perf_counter() - phase
        db_api.delete_tables_created_by_splink_from_db()
        seconds["total"] = time.perf_counter() - started
        return LinkageResult(records=result, model=model, seconds=seconds, scored_pairs=scored_pairs, plan=plan)
    finally:
        con.sql(f'use "{home_database}"."{home_schema}"')
        con.sql(f"detach database if exists {scratch}")
        con.close()
