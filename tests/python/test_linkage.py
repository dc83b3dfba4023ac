"""Linkage on tokens: accurate, stable across rebuilds and deliveries, reproducible.

Rules guarded: person keys meet the accuracy floor on the small borough's
ground truth; so do household keys, and the evaluation counts households
split across keys and keys merging households as the report says; the review
test flags a person holding two person ids of one service; a rebuild keeps
every key; a new delivery keeps the keys of the records already there except
changes it logs as merges or splits; a saved model reproduces the clusters
without training; Splink leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil

import duckdb
from dbt_project import Workspace

from insight_hub.linkage.evaluate import (
    Evaluation,
    PairScores,
    evaluate,
    report,
    split_and_merged,
    threshold_accuracy,
)
from insight_hub.linkage.token_set_attack import persisted_token_sets, simulate_attack

COMMISSION = "IH-2026-001"


def test_accuracy_on_the_small_borough(built_borough: Workspace) -> None:
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    result = evaluate(built_borough.warehouse, built_borough.truth, built_borough.master_key.encode())
    assert result.records == result.records_in_truth
    # At this scale (16k records) the figures sit a little below the full-size ones
    # in the README; these floors catch a broken model, not noise.
    assert result.persons.precision >= 0.99
    assert result.anchored_persons.precision >= 0.99
    assert result.anchored_persons.recall >= 0.97
    assert result.persons.recall >= 0.94
    assert result.merged_keys / result.person_keys < 0.01


def test_household_accuracy_on_the_small_borough(built_borough: Workspace) -> None:
    assert built_borough.master_key is not None
    result = evaluate(built_borough.warehouse, built_borough.truth, built_borough.master_key.encode())
    # The small borough has about one property per postcode, where a postcode places people
    # better than at full size (README: precision 0.96, recall 0.79, about one household pair
    # in six out of reach there). These floors catch a broken household model, and the
    # recall and split floors the model this one replaced (recall 0.82, 27% split):
    assert result.households.precision >= 0.99
    assert result.households.recall >= 0.84
    assert result.split_households / result.true_households < 0.26
    assert result.merged_households / result.household_keys < 0.01


def test_households_split_and_merged_are_counted_per_true_household_and_per_key() -> None:
    with duckdb.connect() as con:
        con.execute("""
            create temp table evaluated as
            select * from (values
                ('C1', 'r1', 'K1', 1), ('C1', 'r2', 'K1', 1),  -- household 1 held together
                ('C1', 'r3', 'K2', 2), ('C1', 'r4', 'K3', 2),  -- household 2 split over two keys
                ('C1', 'r5', 'K4', 3), ('C1', 'r6', null, 3),  -- household 3 partly without a key: split
                ('C1', 'r7', null, 4),                         -- household 4, one record, no key: not split
                ('C1', 'r8', 'K5', 5), ('C1', 'r9', 'K5', 6),  -- key K5 merges households 5 and 6
                ('C2', 'r10', 'K1', 1)                         -- another commission's K1 and household 1
            ) as t(commission_id, record_token, household_key, household_id)
        """).fetchall()
        assert split_and_merged(con, "household_key", "household_id") == (7, 6, 2, 1)


def test_report_gives_household_split_and_merged_figures() -> None:
    scores = PairScores(true_pairs=10, predicted_pairs=8, correct_pairs=8)
    evaluation = Evaluation(
        records=20,
        records_in_truth=20,
        people=12,
        person_keys=12,
        persons=scores,
        anchored_persons=scores,
        households=PairScores(true_pairs=40, predicted_pairs=30, correct_pairs=27),
        split_people=0,
        merged_keys=0,
        true_households=5,
        household_keys=8,
        split_households=2,
        merged_households=1,
    )
    text = report(Evaluation(**{**evaluation.__dict__, "thresholds": tuple(threshold_accuracy_rows_for_report())}))
    assert "| 0.7 | 1.5 | 0.9000 | 0.8000 |" in text, "Splink's pairs at the cluster threshold"
    assert "| household (record pairs) | 0.9000 | 0.6750 |" in text
    assert "true households split across more than one household key (or partly without one): 2 of 5 (40.00%)" in text
    assert "household keys merging more than one true household: 1 of 8 (12.50%)" in text


def test_threshold_accuracy_judges_splinks_scored_pairs_against_the_truth() -> None:
    """Four records of two true people (a b, c d): a-b scores weight 5, a-c and
    b-c about 1, c-d not at all. At weight 5 one of the two true pairs is found
    and nothing false; at weight 1 two false pairs join it; every other pair
    of the six is a true negative."""
    with duckdb.connect() as con:
        con.execute("attach ':memory:' as warehouse").fetchall()
        con.execute("create schema warehouse.intermediate").fetchall()
        con.execute("""
            create table warehouse.intermediate.int_linkage__scored_pairs as
            select * from (values ('a', 'b', 5.02), ('a', 'c', 1.0), ('b', 'c', 1.04))
                as t(record_token_l, record_token_r, match_weight)
        """).fetchall()
        con.execute("""
            create temp table evaluated as
            select * from (values ('C', 'a', 'p1'), ('C', 'b', 'p1'), ('C', 'c', 'p2'), ('C', 'd', 'p2'))
                as t(commission_id, record_token, person_id)
        """).fetchall()
        records = threshold_accuracy(con, "warehouse", true_pairs=2)
    counts = [(r["truth_threshold"], r["tp"], r["fp"], r["fn"], r["tn"]) for r in records]
    assert counts == [(1.0, 1, 2, 1, 2), (5.0, 1, 0, 1, 4)]
    assert [(r["precision"], r["recall"]) for r in records] == [(1 / 3, 0.5), (1.0, 0.5)]
    assert records[1]["match_probability"] == 32 / 33


def threshold_accuracy_rows_for_report() -> list[dict]:
    return [
        {"truth_threshold": w, "match_probability": 2**w / (1 + 2**w), "precision": 0.9, "recall": 0.8, "f1": 0.85}
        for w in (0.0, 1.5, 4.0)
    ]


def test_review_flags_two_person_ids_of_one_service(built_borough: Workspace, tmp_path) -> None:
    """A copy of the warehouse where one of a child's referrals carries another
    child id: the compiled review test flags that person, and only for that."""
    compiled = next((built_borough.target / "compiled").rglob("person_clusters_flagged_for_review.sql")).read_text()
    copy = tmp_path / built_borough.warehouse.name
    shutil.copy(built_borough.warehouse, copy)
    catalog = copy.stem  # the name the compiled SQL gives the warehouse
    with duckdb.connect() as con:
        con.execute(f"attach '{copy}' as {catalog}").fetchall()
        before = set(con.execute(f"select cluster_token, failure from ({compiled})").fetchall())
        ((record, cluster),) = con.execute(f"""
            select record_token, cluster_token from {catalog}.intermediate.int_person_records__clustered
            where record_token in (select record_token from {catalog}.intermediate.int_person_records__geocoded
                                   where starts_with(delivery_file, 'csc_referrals_'))
            qualify count(*) over (partition by cluster_token) >= 2
            order by record_token limit 1""").fetchall()
        con.execute(
            f"update {catalog}.intermediate.int_person_records__geocoded "
            "set source_person_token = 'another child' where record_token = ?",
            [record],
        ).fetchall()
        after = set(con.execute(f"select cluster_token, failure from ({compiled})").fetchall())
    assert after - before == {(cluster, "two person ids of one service")}


def test_splink_leaves_no_tables_and_saves_its_model(built_borough: Workspace) -> None:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        leftovers = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like '%splink%' or table_name like 'linkage_input%'"
        ).fetchall()
    assert not leftovers
    model = json.loads((built_borough.target / "linkage" / f"splink_model_{COMMISSION}.json").read_text())
    assert {c["output_column_name"] for c in model["comparisons"]} >= {"nhs_number", "forename", "date_of_birth"}
    for chart in ("match_weights", "m_u_parameters", "waterfall"):
        page = (built_borough.target / "linkage" / COMMISSION / f"{chart}.html").read_text()
        assert "vegaEmbed" in page and "<script src=" not in page, f"{chart}.html must open offline"


def test_the_warehouse_stores_no_token_set(built_borough: Workspace, tmp_path) -> None:
    """The linkage's letter-pair sets are a view, computed from staging when read:
    no stored table holds a list of tokens per record for a frequency attack
    to start from; the check finds one planted in a copy."""
    assert persisted_token_sets(built_borough.warehouse) == []
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_name = 'int_person_records__token_sets'"
            ).fetchall()
        )
    assert kinds == {"int_person_records__token_sets": "VIEW"}
    copy = tmp_path / built_borough.warehouse.name
    shutil.copy(built_borough.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("create table intermediate.names_kept as select ['t1', 't2'] as forename_bigram_tokens").fetchall()
    assert persisted_token_sets(copy) == ["intermediate.names_kept.forename_bigram_tokens"]


def test_stored_bigram_sets_would_give_names_back_without_the_key() -> None:
    """The attack the view prevents: bigram sets of a borough-like population,
    keyed with a key the attacker never sees, read back by frequency alone."""
    result = simulate_attack(records=20_000)
    assert result.records_recovered_from_bigram_sets > 0
    assert result.names_recovered_from_name_tokens > 0, "whole-name tokens leak the commonest names"


def test_keys_survive_a_rebuild(redelivered: dict) -> None:
    assert redelivered["rebuilt"] == redelivered["first"]
    assert redelivered["changes_after_rebuild"] == []


def test_keys_survive_a_new_delivery(redelivered: dict) -> None:
    before, after = redelivered["first"], redelivered["after"]
    kept = [token for token in before if token in after]
    assert len(kept) > 0.9 * len(before)
    moved = {(before[t], after[t]) for t in kept if before[t] != after[t]}
    logged = {(previous, new) for _, previous, new, _, _ in redelivered["changes"]}
    assert moved <= logged, "a key changed without a logged merge or split"
    assert len(moved) < 0.01 * len(set(before.values())), "more than 1% of people changed key"
    assert len(after) > len(before), "the new delivery added no records"


def test_saved_model_reproduces_the_clusters(built_borough: Workspace, tmp_path) -> None:
    reviewed = tmp_path / "reviewed"
    shutil.copytree(built_borough.target / "linkage", reviewed)
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        trained = con.execute(
            "select record_token, cluster_token from intermediate.int_person_records__clustered order by 1"
        ).fetchall()
    workspace = Workspace(tmp_path / "rerun", master_key=built_borough.master_key)
    shutil.copytree(built_borough.landing, workspace.landing)
    workspace.dbt(
        "build",
        "--select",
        "+int_person_records__clustered",
        "--exclude",
        "test_type:data",
        "test_type:unit",
        "--vars",
        f"{{linkage_model_dir: '{reviewed}'}}",
    )
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        rerun = con.execute(
            "select record_token, cluster_token from intermediate.int_person_records__clustered order by 1"
        ).fetchall()
    assert rerun == trained
