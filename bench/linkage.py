"""Linkage cost: the linkage's dbt models against bare Splink on the same token table, per scale.

    python -m bench.linkage --scales 0.25 0.5 1.0 --runs 3

For each scale: builds the linkage's input once (dbt build up to
int_linkage__records and the token-sets view), then alternately (runs times
each) times
- inside dbt: `dbt run` of the linkage's models (LINKAGE_MODELS: Splink's
  training, prediction and clustering, and the SQL steps between and after
  them; the sum of their execution times from run_results.json), and
- bare Splink: insight_hub.linkage.splink_run.score_pairs and
  connected_records on the same records table and token-sets view in a plain
  DuckDB connection (the token functions registered under the benchmark's
  key, the workbook deliveries loaded as the dbt plugin loads them):
  training, prediction and clustering of the pairs at the cluster threshold,
  materialised as tables.
Reports medians, the inside/outside ratio (target at most 1.3), records per
second and seconds per 100,000 records across scales (linear growth keeps that
flat). Figures go to bench/results/linkage.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import duckdb
import pandas as pd

from bench.common import dbt, generate, median, save, workspace_for
from insight_hub import pseudonymisation
from insight_hub.governance import manifest
from insight_hub.linkage.splink_run import connected_records, linkage_input_sql, score_pairs

RECORDS = "insight_hub.intermediate.int_linkage__records"
TOKEN_SETS = "insight_hub.intermediate.int_person_records__token_sets"
LINKAGE_MODELS = (
    "int_linkage__scored_pairs",
    "int_linkage__deterministic_pairs",
    "int_linkage__edges",
    "int_linkage__connected_records",
    "int_linkage__clusters_separated",
    "int_linkage__placed_at_address",
    "int_linkage__placed_after_move",
    "int_person_records__clustered",
)


def _linkage_connection(workspace) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB connection that reads what the model reads: the warehouse
    attached under its own name (its views name it), the token functions under
    the benchmark's key, and the workbook deliveries loaded as the
    excel_deliveries plugin loads them, so the token-sets view computes."""
    con = duckdb.connect()
    con.execute(f"attach '{workspace.warehouse}' as {workspace.warehouse.stem} (read_only)").fetchall()
    commissions = [c for (c,) in con.execute(f"select distinct commission_id from {RECORDS}").fetchall()]
    key, _ = pseudonymisation.resolve_master_key(allow_demo_key=True)
    pseudonymisation.register_token_functions(con, pseudonymisation.token_functions(key, commissions))
    con.execute("attach ':memory:' as landing_memory").fetchall()
    for commission in commissions:
        workbooks = sorted((workspace.landing / commission / "employment_skills").glob("participants_export*.xlsx"))
        frames = [
            pd.read_excel(path, dtype=str, keep_default_na=False)
            .replace("", None)
            .assign(delivery_file=path.name, source_row_number=lambda f: range(1, len(f) + 1))
            for path in workbooks
        ]
        if frames:
            con.register("workbooks", pd.concat(frames, ignore_index=True))
            con.execute("create or replace table landing_memory.main.participants_export as select * from workbooks")
            con.unregister("workbooks")
    return con


def _outside_dbt(workspace) -> tuple[float, int]:
    con = _linkage_connection(workspace)
    commissions = [c for (c,) in con.execute(f"select distinct commission_id from {RECORDS}").fetchall()]
    threshold = manifest.project_vars()["linkage_cluster_threshold"]
    started = time.perf_counter()
    for commission in commissions:
        scored = score_pairs(
            con, linkage_input_sql(f"select * from {RECORDS}", f"select * from {TOKEN_SETS}", commission)
        )
        con.register("scored", scored.pairs)
        # a table of the connection's attached in-memory database: connected_records reads it on a cursor,
        # which sees no temp table of this connection
        con.execute("create or replace table landing_memory.main.scored_pairs as select * from scored").fetchall()
        con.unregister("scored")
        components = connected_records(
            con,
            f"select * from {RECORDS} where commission_id = '{commission}'",
            f"select * from landing_memory.main.scored_pairs where match_probability >= {threshold}",
        )
        con.register("components", components)
        con.execute("create or replace temp table connected as select * from components").fetchall()
        con.unregister("components")
    seconds = time.perf_counter() - started
    (records,) = con.execute(f"select count(*) from {RECORDS}").fetchone() or (0,)
    return seconds, records


def _inside_dbt(workspace) -> float:
    # a workbook extract is loaded only for a run that selects its staging model (README)
    dbt(workspace, "run", "--select", "stg_employment_skills__participants_export", *LINKAGE_MODELS)
    results = json.loads((workspace.target / "run_results.json").read_text())["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"].split(".")[-1] in LINKAGE_MODELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    figures = {}
    for scale in args.scales:
        workspace = workspace_for(scale)
        if not workspace.landing.is_dir():
            generate(workspace, scale)
        workspace.warehouse.unlink(missing_ok=True)
        dbt(
            workspace,
            "build",
            "--select",
            "+int_linkage__records",
            "+int_person_records__token_sets",
            "--indirect-selection",
            "cautious",
        )
        os.environ["INSIGHT_HUB_LANDING"] = str(workspace.landing)
        inside, outside, records = [], [], 0
        for run in range(args.runs):
            inside.append(_inside_dbt(workspace))
            seconds, records = _outside_dbt(workspace)
            outside.append(seconds)
            print(
                f"scale {scale:g} run {run + 1}: inside dbt {inside[-1]:.1f}s, outside {outside[-1]:.1f}s", flush=True
            )
        figures[f"{scale:g}"] = {
            "records": records,
            "inside_dbt_seconds_median": round(median(inside), 2),
            "outside_dbt_seconds_median": round(median(outside), 2),
            "ratio_inside_over_outside": round(median(inside) / median(outside), 3),
            "records_per_second_inside_dbt": round(records / median(inside)),
            "seconds_per_100k_records_inside_dbt": round(median(inside) / records * 100_000, 2),
            "inside_dbt_seconds": [round(s, 2) for s in inside],
            "outside_dbt_seconds": [round(s, 2) for s in outside],
        }
        print(json.dumps({f"scale {scale:g}": figures[f"{scale:g}"]}, indent=2), flush=True)
    print(f"saved to {save('linkage', {'runs': args.runs, 'scales': figures})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
