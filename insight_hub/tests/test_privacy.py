"""Privacy rules proved on a built borough, not asserted in comments.

- no key, derived key or HMAC pad in any file of target/, logs/ or the warehouse;
- no identifier value from the landing files in any relation outside staging;
- no cleartext identifier column outside staging; no token column in a mart;
- no stored test-failure table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from insight_hub import pseudonymisation
from insight_hub.tests.dbt_project import PROJECT_ROOT, Workspace

IDENTIFYING_ROLES = {
    "record_ref", "source_person_ref", "related_person_ref", "nhs_number", "forename", "middle_names", "surname",
    "full_name", "date_of_birth", "postcode", "uprn", "address_line", "contact_identifier",
}
SOURCE_SCHEMAS = ("staging", "landing")
# Published vocabulary: code lists, registers and public geography. A name such
# as White or Hendon is also an ethnic group or a ward, and may appear as one.
VOCABULARY_SCHEMAS = ("reference", "governance")
VOCABULARY_VIEWS = ("staging.stg_ons__wards", "staging.stg_ons__output_areas")


def _roles(column: dict) -> set[str]:
    role = column.get("meta", {}).get("role")
    return set(role) if isinstance(role, list) else {role}


def _variants(value: str) -> set[str]:
    """A cleartext value and the forms normalisation could turn it into."""
    value = value.strip()
    upper = value.upper()
    forms = {value, upper, re.sub(r"\s+", "", upper)}
    if re.fullmatch(r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}", value):  # postcode
        compact = re.sub(r"\s+", "", upper)
        forms.add(compact[:-3] + " " + compact[-3:])
    return {form for form in forms if len(form) >= 3}


def landing_identifier_values(workspace: Workspace) -> set[str]:
    """Every value of every identifying column of every person-level landing file."""
    manifest = json.loads((workspace.target / "manifest.json").read_text())
    values: set[str] = set()
    con = duckdb.connect()
    for source in manifest["sources"].values():
        meta = source["config"]["meta"]
        if not meta.get("commission"):
            continue
        columns = [name for name, column in source["columns"].items() if _roles(column) & IDENTIFYING_ROLES]
        if meta["format"] == "excel":
            pattern = meta["external_location"].format(landing_dir=workspace.landing, commission=meta["commission"])
            frames = [pd.read_excel(path, dtype=str) for path in sorted(Path("/").glob(pattern.lstrip("/")))]
            cells = pd.concat(frames)[columns].stack().tolist() if frames else []
        else:
            selected = ", ".join(f'cast("{c}" as varchar)' for c in columns)
            rows = con.execute(f"select {selected} from {source['relation_name']}").fetchall()
            cells = [cell for row in rows for cell in row]
        for cell in cells:
            if cell is not None and str(cell).strip():
                values |= _variants(str(cell))
    return values


def _text_columns(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], include: bool) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema {'in' if include else 'not in'} (select unnest(?)) "
        "and data_type in ('VARCHAR', 'BIGINT', 'INTEGER', 'HUGEINT') order by 1, 2, 3",
        [list(schemas)],
    ).fetchall()


def _distinct(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> set[str]:
    return {str(v) for (v,) in con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()}


def test_no_landing_identifier_value_outside_staging(built_borough: Workspace) -> None:
    identifiers = landing_identifier_values(built_borough)
    assert len(identifiers) > 1000, "the guard found too few identifier values to mean anything"
    leaks = []
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        vocabulary: set[str] = set()
        for schema, table, column in _text_columns(con, VOCABULARY_SCHEMAS, include=True):
            vocabulary |= _distinct(con, schema, table, column)
        for view in VOCABULARY_VIEWS:
            vocabulary |= {str(v) for row in con.execute(f"select * from {view}").fetchall() for v in row}
        guarded = identifiers - vocabulary
        columns = _text_columns(con, SOURCE_SCHEMAS + VOCABULARY_SCHEMAS, include=False)
        assert any(schema == "intermediate" for schema, _, _ in columns)
        for schema, table, column in columns:
            found = _distinct(con, schema, table, column) & guarded
            if found:
                leaks.append(f"{schema}.{table}.{column}: {sorted(found)[:3]}")
    assert not leaks, "identifier values outside staging:\n" + "\n".join(leaks)


def test_no_key_material_in_any_artifact(built_borough: Workspace) -> None:
    master = built_borough.master_key.encode()
    needles = {"master key": master}
    for commission, pads in pseudonymisation.commission_pads(master, ["IH-2026-001"]).items():
        key = pseudonymisation.commission_key(master, commission)
        needles |= {
            f"{commission} key": key, f"{commission} key hex": key.hex().encode(),
            f"{commission} inner pad": pads.inner, f"{commission} outer pad": pads.outer,
            f"{commission} inner pad hex": pads.inner.hex().encode(), f"{commission} outer pad hex": pads.outer.hex().encode(),
        }
    searched = [p for folder in (built_borough.target, built_borough.logs, built_borough.warehouse.parent)
                for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in searched) and any(p.name == "dbt.log" for p in searched)
    for path in searched:
        content = path.read_bytes()
        for label, needle in needles.items():
            assert needle not in content, f"{label} found in {path}"


def test_no_identifier_or_token_columns_where_they_must_not_be(built_borough: Workspace) -> None:
    pattern = re.compile(yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["direct_identifier_column_pattern"])
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in (select unnest(?))",
            [list(SOURCE_SCHEMAS + VOCABULARY_SCHEMAS)],
        ).fetchall()
        schemas = {schema for (schema,) in con.execute("select schema_name from information_schema.schemata").fetchall()}
    cleartext = [f"{s}.{t}.{c}" for s, t, c in columns if pattern.fullmatch(c.lower())]
    assert not cleartext, f"cleartext identifier columns outside staging: {cleartext}"
    tokens_in_marts = [f"{s}.{t}.{c}" for s, t, c in columns if s == "marts" and (c.endswith("_token") or c.endswith("_key"))]
    assert not tokens_in_marts, f"person-level keys in marts: {tokens_in_marts}"
    assert not [s for s in schemas if "dbt_test__audit" in s], "test failures were stored"


def test_marts_are_aggregates(built_borough: Workspace) -> None:
    """A mart row is a group (ward, service, ...), never a person: no mart has
    as many rows as the spine has records."""
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        (records,) = con.execute("select count(*) from intermediate.int_person_records__geocoded").fetchone()
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        assert tables
        for table in tables:
            (rows,) = con.execute(f'select count(*) from marts."{table}"').fetchone()
            assert rows < records / 10, f"marts.{table} has {rows} rows for {records} records"
