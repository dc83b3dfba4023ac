"""Print what a build produced: rows per layer, test results, where things are.

    python -m insight_hub.summary [--warehouse PATH] [--target-path target] [--run-results FILE]

Reads the warehouse read-only and dbt's run_results.json; needs no key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import duckdb

LAYERS = ("staging", "intermediate", "marts", "diagnostics", "disclosure", "sharing")


def default_warehouse() -> Path:
    return Path(os.environ.get("INSIGHT_HUB_WAREHOUSE", "warehouse/insight_hub.duckdb"))


def rows_per_layer(warehouse: Path) -> dict[str, tuple[int, int, int]]:
    """(views, tables, rows in tables) per layer schema. Staging views are not
    counted: they read the landing files and compute tokens, which only a dbt
    session holding the keys can do."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema in (select unnest(?)) order by 1, 2",
            [list(LAYERS)],
        ).fetchall()
        totals = {layer: [0, 0, 0] for layer in LAYERS}
        for schema, name, table_type in relations:
            if table_type == "VIEW":
                totals[schema][0] += 1
            else:
                totals[schema][1] += 1
                totals[schema][2] += con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
    return {layer: (views, tables, rows) for layer, (views, tables, rows) in totals.items()}


def test_results(run_results: Path) -> Counter[str]:
    """Statuses of the data and unit tests of a dbt build."""
    results = json.loads(run_results.read_text())["results"]
    return Counter(r["status"] for r in results if r["unique_id"].startswith(("test.", "unit_test.")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--target-path", type=Path, default=Path(os.environ.get("DBT_TARGET_PATH", "target")))
    parser.add_argument(
        "--run-results", type=Path, help="run_results.json of the dbt build (default: the target path's)"
    )
    args = parser.parse_args(argv)
    if not args.warehouse.is_file():
        print(f"no warehouse at {args.warehouse}: run `make demo` first", file=sys.stderr)
        return 1
    print("\nInsight Hub warehouse")
    for layer, (views, tables, rows) in rows_per_layer(args.warehouse).items():
        print(f"  {layer:<13} {views:>3} views {tables:>3} tables {rows:>12,} rows in tables")
    statuses = test_results(args.run_results or args.target_path / "run_results.json")
    print("  tests         " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    print(f"  warehouse     {args.warehouse.resolve()}")
    docs = args.target_path / "index.html"
    print(f"  docs          {docs.resolve()}  (browse: .venv/bin/dbt docs serve)")
    print(
        '  query a mart  .venv/bin/python -c "import duckdb; print(duckdb.connect('
        f"'{args.warehouse}', read_only=True).sql('select * from marts.ward_service_demand order by people_known_rate_per_1000 desc limit 10'))\""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
