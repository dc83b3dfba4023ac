"""Prove a built warehouse keeps the Hub's privacy promises, value by value.

    python -m insight_hub.privacy_guard [--warehouse ...] [--landing ...] [--target-path target]

- every identifier value in the person-level landing files (names, dates of
  birth, NHS numbers, postcodes, UPRNs, addresses, contact details, record and
  person references, in the forms normalisation could give them) is absent
  from every column of every relation outside sources and staging, apart from
  published vocabulary (a surname that is also a ward or an ethnic group);
  a short system reference (digits only, under LONG_NUMBER_DIGITS long) in a
  numeric column counts only when the column looks like references, at least
  half its distinct values being landing references: a count of 189,365 rows
  is not a leak of person 189365, but a column of person ids is;
- no column outside staging is named like a cleartext direct identifier, and
  no mart holds a person-level key or token.

Exits non-zero, listing each leak, when a promise is broken. Reads the
manifest (target/manifest.json) for the sources' column roles.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from insight_hub.summary import default_warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IDENTIFYING_ROLES = {
    "record_ref", "source_person_ref", "related_person_ref", "nhs_number", "forename", "middle_names", "surname",
    "full_name", "date_of_birth", "postcode", "uprn", "address_line", "contact_identifier",
}
SOURCE_SCHEMAS = ("staging", "landing")
# Published vocabulary: code lists, registers and public geography.
VOCABULARY_SCHEMAS = ("reference", "governance")
VOCABULARY_VIEWS = ("staging.stg_ons__wards", "staging.stg_ons__output_areas")
NUMERIC_TYPES = ("BIGINT", "INTEGER", "HUGEINT")
LIST_TYPES = ("VARCHAR[]",)
TEXT_TYPES = ("VARCHAR",) + NUMERIC_TYPES + LIST_TYPES
# Digits-only identifiers at least this long (NHS numbers, UPRNs, account
# numbers) are leaks wherever they appear; no count in a borough reaches them.
LONG_NUMBER_DIGITS = 8
# Share of a numeric column's distinct values that must be short references
# for the column to be taken for a column of references.
REFERENCE_COLUMN_SHARE = 0.5


def _roles(column: dict) -> set[str]:
    role = column.get("meta", {}).get("role")
    return set(role) if isinstance(role, list) else {role}


def _variants(value: str) -> set[str]:
    """A cleartext value and the forms normalisation could turn it into."""
    value = value.strip()
    upper = value.upper()
    forms = {value, upper, re.sub(r"\s+", "", upper)}
    if re.fullmatch(r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}", value):  # a postcode
        compact = re.sub(r"\s+", "", upper)
        forms.add(compact[:-3] + " " + compact[-3:])
    return {form for form in forms if len(form) >= 3}


def landing_identifier_values(manifest: dict, landing: Path) -> set[str]:
    """Every value of every identifying column of every person-level landing file."""
    values: set[str] = set()
    con = duckdb.connect()
    for source in manifest["sources"].values():
        meta = source["config"]["meta"]
        if not meta.get("commission"):
            continue
        columns = [name for name, column in source["columns"].items() if _roles(column) & IDENTIFYING_ROLES]
        if meta["format"] == "excel":
            pattern = meta["external_location"].format(landing_dir=landing, commission=meta["commission"])
            files = sorted(Path(pattern).parent.glob(Path(pattern).name))
            frames = [pd.read_excel(path, dtype=str) for path in files]
            cells = pd.concat(frames)[columns].stack().tolist() if frames else []
        else:
            pattern = re.search(r"'([^']+)'", source["relation_name"]).group(1)
            if not list(Path(pattern).parent.glob(Path(pattern).name)):
                continue
            selected = ", ".join(f'cast("{c}" as varchar)' for c in columns)
            cells = [cell for row in con.execute(f"select {selected} from {source['relation_name']}").fetchall() for cell in row]
        for cell in cells:
            if cell is not None and str(cell).strip():
                values |= _variants(str(cell))
    return values


def _text_columns(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], include: bool) -> list[tuple[str, str, str, str]]:
    return con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_schema {'in' if include else 'not in'} (select unnest(?)) "
        "and data_type in (select unnest(?)) order by 1, 2, 3",
        [list(schemas), list(TEXT_TYPES)],
    ).fetchall()


def _distinct(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str, data_type: str) -> set[str]:
    """Distinct values of a column as text; of a list column, of its elements."""
    value = f'unnest("{column}")' if data_type in LIST_TYPES else f'"{column}"'
    return {str(v) for (v,) in con.execute(f'select distinct {value} from "{schema}"."{table}"').fetchall()}


def value_leaks(warehouse: Path, identifiers: set[str]) -> list[str]:
    """Relations and columns outside staging holding a landing identifier value."""
    leaks = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        vocabulary: set[str] = set()
        for schema, table, column, data_type in _text_columns(con, VOCABULARY_SCHEMAS, include=True):
            vocabulary |= _distinct(con, schema, table, column, data_type)
        for view in VOCABULARY_VIEWS:
            vocabulary |= {str(v) for row in con.execute(f"select * from {view}").fetchall() for v in row}
        guarded = identifiers - vocabulary
        short_references = {v for v in guarded if v.isdigit() and len(v) < LONG_NUMBER_DIGITS}
        for schema, table, column, data_type in _text_columns(con, SOURCE_SCHEMAS + VOCABULARY_SCHEMAS, include=False):
            values = _distinct(con, schema, table, column, data_type)
            found = values & guarded
            if data_type in NUMERIC_TYPES and len(found & short_references) < REFERENCE_COLUMN_SHARE * len(values):
                found -= short_references
            if found:
                leaks.append(f"{schema}.{table}.{column}: {len(found)} values, e.g. {sorted(found)[:3]}")
    return leaks


def column_leaks(warehouse: Path) -> list[str]:
    """Columns outside staging named like a cleartext identifier; keys or tokens in marts."""
    pattern = re.compile(yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["direct_identifier_column_pattern"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in (select unnest(?))",
            [list(SOURCE_SCHEMAS + VOCABULARY_SCHEMAS)],
        ).fetchall()
    leaks = [f"{s}.{t}.{c}: named like a direct identifier" for s, t, c in columns if pattern.fullmatch(c.lower())]
    leaks += [f"{s}.{t}.{c}: a person-level key in a mart" for s, t, c in columns
              if s == "marts" and (c.endswith("_token") or c.endswith("_key"))]
    return leaks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--landing", type=Path, default=Path("data/landing"))
    parser.add_argument("--target-path", type=Path, default=Path("target"))
    args = parser.parse_args(argv)
    manifest = json.loads((args.target_path / "manifest.json").read_text())
    identifiers = landing_identifier_values(manifest, args.landing)
    leaks = value_leaks(args.warehouse, identifiers) + column_leaks(args.warehouse)
    print(f"checked {len(identifiers):,} identifier values from the landing files against every relation outside staging")
    if leaks:
        print("privacy guard FAILED:\n  " + "\n  ".join(leaks), file=sys.stderr)
        return 1
    print("privacy guard passed: no identifier value or identifier column outside staging, no person key in a mart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
