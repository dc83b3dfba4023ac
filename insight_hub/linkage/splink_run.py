"""Splink's part of the linkage: train, score and cluster on tokens.

`score_pairs(session, input_sql)` trains a commission's model (or takes one
given) and returns every pair of its records Splink scores at
PREDICT_THRESHOLD or above; `connected_records(session, nodes_sql, edges_sql)`
gives each record the component of the edges it belongs to. Both run on a
live DuckDB connection (the `session` a dbt-duckdb Python model receives, or
any connection in a benchmark). Splink's working tables live in a private
in-memory database attached for the call and detached afterwards, so nothing
it creates reaches the warehouse file and the caller's connection is
untouched. The steps between and after them (the deterministic pass, the
edges, cannot-link, the residual passes) are the SQL models of
models/intermediate/linkage.
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
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals import expectation_maximisation

from insight_hub.linkage import settings as linkage_settings

LOG_LEVEL = logging.WARNING  # Splink logs every step at INFO


@dataclass
class ScoredPairs:
    """The pairs Splink scored, the model that scored them, and what it cost."""

    pairs: pa.Table  # record_token_l, record_token_r, match_weight, match_probability
    model: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    plan: TrainingPlan | None = None  # how the model was trained; None for a model given


def linkage_input_sql(records_sql: str, token_sets_sql: str, commission_id: str) -> str:
    """SQL of one commission's records as Splink reads them (settings.INPUT_COLUMNS):
    int_linkage__records' columns and the record's token sets from the view
    that computes them."""
    if not re.fullmatch("[A-Za-z0-9-]+", commission_id):
        raise ValueError(f"{commission_id!r} is not a commission id")
    record_columns = ", ".join(f"records.{c}" for c in linkage_settings.RECORD_COLUMNS)
    set_columns = ", ".join(f"token_sets.{c}" for c in linkage_settings.TOKEN_SET_COLUMNS)
    return f"""
    select {record_columns}, {set_columns}
    from ({records_sql}) as records
    left join ({token_sets_sql}) as token_sets
        on records.commission_id = token_sets.commission_id and records.record_token = token_sets.record_token
    where records.commission_id = '{commission_id}'"""


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
    filtered_only = [
        c for c in linkage_settings.BLOOM_COLUMNS.values() if c not in linkage_settings.COMPARED_TOKEN_LISTS
    ]
    return f"""with integer_input as (
    select
        ('0x' || substr(record_token, 1, 15))::bigint as record_id,
        record_token, service_code, birth_year, latest_birth_year, sex, is_forename_initial,
        {tokens},
        {token_lists}
    from ({input_sql})
)
select
    * exclude ({", ".join(filtered_only)}, birth_date_part_tokens),
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


@contextmanager
def _scratch(session: duckdb.DuckDBPyConnection) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A cursor of `session` working in a private in-memory database, and a
    suffix for table names; the database is detached afterwards."""
    scratch = f"linkage_scratch_{uuid.uuid4().hex[:8]}"
    con = session.cursor()
    home_database, home_schema = con.sql("select current_database(), current_schema()").fetchall()[0]
    con.sql(f"attach ':memory:' as {scratch}")
    con.sql(f"use {scratch}")
    try:
        yield con, scratch[-8:]
    finally:
        con.sql(f'use "{home_database}"."{home_schema}"')
        con.sql(f"detach database if exists {scratch}")
        con.close()


def score_pairs(
    session: duckdb.DuckDBPyConnection,
    input_sql: str,
    model: dict[str, Any] | None = None,
    charts_dir: Path | None = None,
) -> ScoredPairs:
    """Score the pairs of the records `input_sql` selects (fully qualified
    names; the columns of settings.INPUT_COLUMNS, one commission). Trains the
    model unless one is given; saves Splink's charts of it to `charts_dir`
    when given."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with _scratch(session) as (con, suffix):
        input_table = f"linkage_input_{suffix}"
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
        pairs = con.sql(f"""
            select
                left_record.record_token as record_token_l, right_record.record_token as record_token_r,
                predictions.match_weight, predictions.match_probability
            from {predictions.physical_name} as predictions
            inner join {input_table} as left_record on predictions.record_id_l = left_record.record_id
            inner join {input_table} as right_record on predictions.record_id_r = right_record.record_id
        """).to_arrow_table()
        seconds["predict"] = time.perf_counter() - phase
        if charts_dir is not None:
            save_charts(con, db_api, model, predictions.physical_name, input_table, charts_dir)
        db_api.delete_tables_created_by_splink_from_db()
    seconds["total"] = time.perf_counter() - started
    return ScoredPairs(pairs=pairs, model=model, seconds=seconds, plan=plan)


def connected_records(session: duckdb.DuckDBPyConnection, nodes_sql: str, edges_sql: str) -> pa.Table:
    """Each record of `nodes_sql` (commission_id, record_token) with the
    smallest record token of the records the edges of `edges_sql`
    (record_token_l, record_token_r) connect it to, as component_token:
    Splink's clustering (connected components)."""
    with _scratch(session) as (con, suffix):
        con.sql(f"create table nodes_{suffix} as select commission_id, record_token from ({nodes_sql})")
        con.sql(f"create table edges_{suffix} as select record_token_l, record_token_r from ({edges_sql})")
        db_api = DuckDBAPI(connection=con)
        components = cluster_pairwise_predictions_at_threshold(
            db_api.register(f"nodes_{suffix}"),
            db_api.register(f"edges_{suffix}"),
            db_api,
            node_id_column_name="record_token",
            edge_id_column_name_left="record_token_l",
            edge_id_column_name_right="record_token_r",
        )
        table = con.sql(f"""
            select nodes.commission_id, components.record_token, components.cluster_id as component_token
            from {components.physical_name} as components
            inner join nodes_{suffix} as nodes on components.record_token = nodes.record_token
        """).to_arrow_table()
        db_api.delete_tables_created_by_splink_from_db()
        return table
