"""Cost of pseudonymisation: staging with tokens against the same staging without.

    python -m bench.pseudonymisation_cost --scale 1.0 --runs 3

Needs a built warehouse for the scale (run bench.build_timings first, or it
builds one). For every person-extract staging view it times, in one DuckDB
session per run with the token functions registered as the dbt plugin
registers them (insight_hub_token, insight_hub_tokens; nothing cached from an
earlier run), materialising every column
(reading and parsing the landing files, normalising, validating and computing
every HMAC token) against materialising every column except the *_token and
*_tokens (lists of tokens) ones.
DuckDB prunes unused columns, so the second is the same staging work minus the
HMACs. Reports medians and the ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import time

import duckdb

from bench.common import dbt, generate, median, save, workspace_for
from insight_hub import pseudonymisation


def _session(warehouse: str, landing: str, master: bytes) -> duckdb.DuckDBPyConnection:
    """A connection with fresh token functions (nothing cached from an earlier run)."""
    os.environ["INSIGHT_HUB_LANDING"] = landing
    con = duckdb.connect(warehouse, read_only=True)
    commissions = [c for (c,) in con.execute("select commission_id from governance.commissions").fetchall()]
    pseudonymisation.register_token_functions(con, pseudonymisation.token_functions(master, commissions))
    return con


def _seconds(con: duckdb.DuckDBPyConnection, view: str, columns: list[str]) -> float:
    """Time to compute the given columns of every row (max(hash(...)) keeps the optimiser from skipping any)."""
    started = time.perf_counter()
    con.execute(f"select max(hash({', '.join(columns)})) from staging.{view}").fetchall()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    workspace = workspace_for(args.scale)
    if not workspace.warehouse.is_file():
        generate(workspace, args.scale)
        dbt(workspace, "build")
    master, _ = pseudonymisation.resolve_master_key(allow_demo_key=True)
    con = _session(str(workspace.warehouse), str(workspace.landing), master)
    views = []
    for (name,) in con.execute(
        "select table_name from information_schema.columns where table_schema = 'staging' "
        "and column_name = 'record_token' order by 1"
    ).fetchall():
        try:
            con.execute(f"select count(*) from staging.{name}").fetchall()
            views.append(name)
        except duckdb.CatalogException:
            # workbook deliveries live in an in-memory database only a dbt run holds
            print(f"skipped staging.{name}: its source is only readable inside a dbt run")
    with_tokens, without_tokens = [], []
    for _ in range(args.runs):
        con.close()
        con = _session(str(workspace.warehouse), str(workspace.landing), master)
        total_with = total_without = 0.0
        for view in views:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'staging' "
                    "and table_name = ? order by ordinal_position",
                    [view],
                ).fetchall()
            ]
            quoted = [f'"{c}"' for c in columns]
            total_with += _seconds(con, view, quoted)
            total_without += _seconds(
                con, view, [q for q, c in zip(quoted, columns, strict=True) if not c.endswith(("_token", "_tokens"))]
            )
        with_tokens.append(total_with)
        without_tokens.append(total_without)
    rows = sum(con.execute(f"select count(*) from staging.{view}").fetchall()[0][0] for view in views)
    figures = {
        "scale": args.scale,
        "staging_views": views,
        "staging_rows": rows,
        "runs": args.runs,
        "with_tokens_seconds_median": round(median(with_tokens), 2),
        "without_tokens_seconds_median": round(median(without_tokens), 2),
        "ratio_with_over_without": round(median(with_tokens) / median(without_tokens), 2),
    }
    print(figures)
    print(f"saved to {save(f'pseudonymisation_cost_scale_{args.scale:g}', figures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
