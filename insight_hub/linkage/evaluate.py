"""Score the linkage against the synthetic borough's ground truth.

    python -m insight_hub.linkage.evaluate [--warehouse warehouse/insight_hub.duckdb]
        [--truth data/ground_truth] [--report reports/linkage_evaluation.md]
        [--min-precision 0.995 --min-recall 0.98]

Maps every ground-truth record to its token (with the same key the build used:
DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY, or the demo key), joins it to the keyed spine, and
reports pairwise precision, recall and F1 of person keys and of household
keys, and cluster-level figures: true people split across person keys, person
keys merging people, true households split across household keys, household
keys merging households; and Splink's scored pairs alone at each match
weight, as a table and Splink's threshold selection chart (precision, recall
and the confusion matrix by threshold) beside the report. Exits non-zero when
a required figure is missed.

A true household is the person's household on the as-of day (truth's
household_id is per person), so every record of a person belongs to it, an
old address on the record or not: households are assigned per linked person,
and a person lives in one household now.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
from splink.internals.charts import ThresholdSelectionToolChart

from insight_hub import pseudonymisation
from insight_hub.summary import default_warehouse


@dataclass(frozen=True)
class PairScores:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.precision * self.recall / (self.precision + self.recall) if self.correct_pairs else 0.0


@dataclass(frozen=True)
class Evaluation:
    records: int
    records_in_truth: int
    people: int
    person_keys: int
    persons: PairScores
    anchored_persons: PairScores  # pairs of records that each have a date of birth or NHS number and both names
    households: PairScores
    split_people: int  # true people whose records carry more than one person key
    merged_keys: int  # person keys holding records of more than one true person
    true_households: int  # true households with a record in the warehouse
    household_keys: int  # household keys given to records
    split_households: int  # true households whose records carry more than one household key (or none)
    merged_households: int  # household keys holding records of more than one true household
    # Splink's scored pairs judged against the truth at each match weight (ThresholdSelectionToolChart's records)
    thresholds: tuple[dict[str, float], ...] = ()


def _pair_scores(con: duckdb.DuckDBPyConnection, predicted: str, truth: str, where: str = "true") -> PairScores:
    ((true_pairs, predicted_pairs, correct_pairs),) = con.execute(f"""
        with
        records as (select * from evaluated where {where}),
        truth_groups as (select count(*) as n from records group by commission_id, {truth}),
        predicted_groups as (select count(*) as n from records where {predicted} is not null group by commission_id, {predicted}),
        both_groups as (
            select count(*) as n from records where {predicted} is not null group by commission_id, {predicted}, {truth}
        )
        select
            (select coalesce(sum(n * (n - 1) / 2), 0) from truth_groups),
            (select coalesce(sum(n * (n - 1) / 2), 0) from predicted_groups),
            (select coalesce(sum(n * (n - 1) / 2), 0) from both_groups)
    """).fetchall()
    return PairScores(int(true_pairs), int(predicted_pairs), int(correct_pairs))


def split_and_merged(con: duckdb.DuckDBPyConnection, predicted: str, truth: str) -> tuple[int, int, int, int]:
    """(true groups, predicted keys, true groups split, keys merging) over the `evaluated`
    records: a true group is split when its records are not all on one predicted key (a
    record without one is on none), a key merges when its records are of more than one
    true group."""
    ((groups, keys, split, merged),) = con.execute(f"""
        select
            (select count(distinct (commission_id, {truth})) from evaluated),
            (select count(distinct (commission_id, {predicted})) from evaluated where {predicted} is not null),
            (select count(*) from (select 1 from evaluated group by commission_id, {truth}
                                   having count(distinct {predicted}) + count(*) - count({predicted}) > 1)),
            (select count(*) from (select 1 from evaluated where {predicted} is not null
                                   group by commission_id, {predicted} having count(distinct {truth}) > 1))
    """).fetchall()
    return int(groups), int(keys), int(split), int(merged)


def threshold_accuracy(con: duckdb.DuckDBPyConnection, warehouse_catalog: str, true_pairs: int) -> list[dict]:
    """Splink's scored pairs (int_linkage__scored_pairs) judged against the
    `evaluated` records' truth at every match weight (rounded to 0.1) a pair
    scored: true and false positives and negatives, precision, recall and F1
    of the pairs scored at or above it, before clustering and the SQL steps.
    A true pair Splink never scored counts as a negative at every weight."""
    rows = con.execute(f"""
        with
        pairs as (
            select round(scored.match_weight::double, 1) as truth_threshold, left_record.person_id = right_record.person_id as is_match
            from {warehouse_catalog}.intermediate.int_linkage__scored_pairs as scored
            inner join evaluated as left_record on scored.record_token_l = left_record.record_token
            inner join evaluated as right_record on scored.record_token_r = right_record.record_token
        ),
        buckets as (
            select truth_threshold, count(*) filter (where is_match) as matches, count(*) filter (where not is_match) as non_matches
            from pairs group by truth_threshold
        ),
        all_pairs as (
            select sum(n * (n - 1) / 2) as n from (select count(*) as n from evaluated group by commission_id)
        )
        select
            truth_threshold,
            sum(matches) over at_or_above as tp,
            sum(non_matches) over at_or_above as fp,
            (select n from all_pairs) as all_pairs
        from buckets
        window at_or_above as (order by truth_threshold desc rows between unbounded preceding and current row)
        order by truth_threshold
    """).fetchall()
    records = []
    for threshold, tp, fp, all_pairs in rows:
        fn = true_pairs - tp
        tn = all_pairs - tp - fp - fn
        precision, recall = tp / (tp + fp), tp / true_pairs if true_pairs else 1.0
        records.append(
            {
                "truth_threshold": threshold,
                "match_probability": 2**threshold / (1 + 2**threshold),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "tn": tn,
                "precision": precision,
                "recall": recall,
                "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
                "fp_rate": fp / (fp + tn) if fp + tn else 0.0,
            }
        )
    return records


def tokenised_truth(
    con: duckdb.DuckDBPyConnection, truth: Path, commissions: list[str], master_key: bytes | None = None
) -> str:
    """SQL of the ground-truth records of `commissions` with the record token the
    build gave each (commission_id, record_token, person_id, household_id),
    tokenising on `con` with `master_key` (default: the environment's, as the
    build did)."""
    if master_key is None:
        master_key, _ = pseudonymisation.resolve_master_key(allow_demo_key=True)
    pseudonymisation.register_token_functions(con, pseudonymisation.token_functions(master_key, commissions))
    con.execute(f"""
        create or replace temp table truth_records as
        select distinct commission_id, source_table, record_ref, person_id, household_id
        from read_parquet('{truth / "records.parquet"}')
    """).fetchall()
    # the record token the staging macro makes (domain 'record')
    commission_list = ", ".join(f"'{c}'" for c in commissions)
    return (
        f"select commission_id, {pseudonymisation.TOKEN_FUNCTION}(commission_id, 'record', "
        f"source_table || ':' || record_ref) as record_token, person_id, household_id "
        f"from truth_records where commission_id in ({commission_list})"
    )


def evaluate(warehouse: Path, truth: Path, master_key: bytes | None = None) -> Evaluation:
    """Score the keyed spine of `warehouse` against the ground truth in `truth`,
    tokenising with `master_key` (default: the environment's, as the build did)."""
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as warehouse (read_only)").fetchall()
    commissions = [
        c
        for (c,) in con.execute(
            "select distinct commission_id from warehouse.intermediate.int_person_records__keyed"
        ).fetchall()
    ]
    tokenised = tokenised_truth(con, truth, commissions, master_key)
    # the keyed spine holds the keys; the linkage says whether a record can anchor a person
    con.execute(f"""
        create temp table evaluated as
        select keyed.commission_id, keyed.record_token, keyed.person_key, keyed.household_key,
               truth.person_id, truth.household_id, clustered.can_anchor_person as is_anchored
        from warehouse.intermediate.int_person_records__keyed as keyed
        inner join warehouse.intermediate.int_person_records__clustered as clustered
            on keyed.record_token = clustered.record_token
        left join ({tokenised}) as truth
            on keyed.commission_id = truth.commission_id and keyed.record_token = truth.record_token
    """).fetchall()
    records, in_truth, people, keys = con.execute(
        "select count(*), count(person_id), count(distinct person_id), count(distinct person_key) from evaluated"
    ).fetchall()[0]
    if in_truth < records:
        raise SystemExit(
            f"{records - in_truth} of {records} warehouse records have no ground truth: "
            "was the build made with another key or another borough?"
        )
    split, merged = con.execute("""
        select
            (select count(*) from (select person_id from evaluated group by commission_id, person_id
                                   having count(distinct person_key) > 1)),
            (select count(*) from (select person_key from evaluated group by commission_id, person_key
                                   having count(distinct person_id) > 1))
    """).fetchall()[0]
    true_households, household_keys, split_households, merged_households = split_and_merged(
        con, "household_key", "household_id"
    )
    persons = _pair_scores(con, "person_key", "person_id")
    return Evaluation(
        records=records,
        records_in_truth=in_truth,
        people=people,
        person_keys=keys,
        persons=persons,
        anchored_persons=_pair_scores(con, "person_key", "person_id", where="is_anchored"),
        households=_pair_scores(con, "household_key", "household_id"),
        split_people=split,
        merged_keys=merged,
        true_households=true_households,
        household_keys=household_keys,
        split_households=split_households,
        merged_households=merged_households,
        thresholds=tuple(threshold_accuracy(con, "warehouse", persons.true_pairs)),
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "n/a"


# Match probabilities the report shows Splink's scored pairs at (the cluster threshold among them).
REPORTED_PROBABILITIES = (0.5, 0.7, 0.9, 0.99)


def _threshold_rows(thresholds: tuple[dict[str, float], ...]) -> list[str]:
    """Pair precision, recall and F1 of Splink's scored pairs at the lowest
    scored weight reaching each of REPORTED_PROBABILITIES."""
    rows = []
    for probability in REPORTED_PROBABILITIES:
        reached = [t for t in thresholds if t["match_probability"] >= probability]
        if reached:
            t = reached[0]
            rows.append(
                f"| {probability} | {t['truth_threshold']:.1f} | {t['precision']:.4f} | {t['recall']:.4f} | "
                f"{t['f1']:.4f} |"
            )
    return rows


def report(evaluation: Evaluation) -> str:
    def row(name: str, scores: PairScores) -> str:
        return (
            f"| {name} | {scores.precision:.4f} | {scores.recall:.4f} | {scores.f1:.4f} | "
            f"{scores.true_pairs:,} | {scores.predicted_pairs:,} | {scores.correct_pairs:,} |"
        )

    return "\n".join(
        [
            "# Linkage evaluation against the synthetic borough's ground truth",
            "",
            f"{evaluation.records:,} records of {evaluation.people:,} true people, "
            f"given {evaluation.person_keys:,} person keys.",
            "",
            "| keys | precision | recall | F1 | true pairs | predicted pairs | correct pairs |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            row("person", evaluation.persons),
            row("person, records with date of birth or NHS number and both names", evaluation.anchored_persons),
            row("household (record pairs)", evaluation.households),
            "",
            f"- true people split across more than one person key: {evaluation.split_people:,} "
            f"({evaluation.split_people / evaluation.people:.2%})",
            f"- person keys merging more than one true person: {evaluation.merged_keys:,} "
            f"({evaluation.merged_keys / evaluation.person_keys:.2%})",
            f"- true households split across more than one household key (or partly without one): "
            f"{evaluation.split_households:,} of {evaluation.true_households:,} "
            f"({_share(evaluation.split_households, evaluation.true_households)})",
            f"- household keys merging more than one true household: {evaluation.merged_households:,} "
            f"of {evaluation.household_keys:,} ({_share(evaluation.merged_households, evaluation.household_keys)})",
            "",
            "Records without a date of birth or NHS number (council tax liable parties, most of them) can "
            "join a person only on name and address; faults in those names or addresses on either side are "
            "what keeps the all-records recall below the anchored records'.",
            "",
            "Splink's scored pairs alone (int_linkage__scored_pairs, before the deterministic pass, clustering and "
            "the residual passes), by the match probability they reach (the chart is written beside this report):",
            "",
            "| match probability at least | match weight | precision | recall | F1 |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *_threshold_rows(evaluation.thresholds),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--truth", type=Path, default=Path(os.environ.get("INSIGHT_HUB_TRUTH", "data/ground_truth")))
    parser.add_argument("--report", type=Path, default=Path("reports/linkage_evaluation.md"))
    parser.add_argument("--min-precision", type=float, default=0.0)
    parser.add_argument("--min-recall", type=float, default=0.0)
    args = parser.parse_args(argv)
    evaluation = evaluate(args.warehouse, args.truth)
    text = report(evaluation)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text)
    chart = args.report.with_name("linkage_threshold_accuracy.html")
    ThresholdSelectionToolChart(list(evaluation.thresholds)).save(str(chart), inline=True)
    print(text)
    print(f"written to {args.report} and {chart} (Splink's threshold selection chart)")
    missed = [
        f"{name} {value:.4f} < {required}"
        for name, value, required in (
            ("precision", evaluation.persons.precision, args.min_precision),
            ("recall", evaluation.persons.recall, args.min_recall),
        )
        if value < required
    ]
    if missed:
        print("linkage below target: " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
