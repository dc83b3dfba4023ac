"""Privacy rules proved on a built borough, not asserted in comments.

- no identifier value from the landing files in any relation outside staging;
- no cleartext identifier column outside staging; no token column in a mart;
- no stored test-failure table.
"""

from __future__ import annotations

import json
import re
import shutil

import duckdb

from insight_hub import privacy_guard
from insight_hub.tests.dbt_project import Workspace


def test_no_landing_identifier_value_outside_staging(built_borough: Workspace) -> None:
    manifest = json.loads((built_borough.target / "manifest.json").read_text())
    identifiers = privacy_guard.landing_identifier_values(manifest, built_borough.landing)
    assert len(identifiers) > 1000, "the guard found too few identifier values to mean anything"
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from intermediate.int_person_records__geocoded").fetchall()[0][0] > 1000
    assert privacy_guard.value_leaks(built_borough.warehouse, identifiers) == []


def test_the_guard_catches_a_leak(built_borough: Workspace, tmp_path) -> None:
    """A copy of the warehouse with one cleartext postcode added to a mart, or
    inside a list in an intermediate table, fails the guard."""
    manifest = json.loads((built_borough.target / "manifest.json").read_text())
    identifiers = privacy_guard.landing_identifier_values(manifest, built_borough.landing)
    postcode = next(v for v in sorted(identifiers) if re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", v))
    leaky = tmp_path / "leaky.duckdb"
    shutil.copy(built_borough.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        con.execute("create table marts.leaky_mart as select ? as area", [postcode]).fetchall()
        con.execute("create table intermediate.leaky_lists as select ['0123', ?] as variants", [postcode]).fetchall()
    assert privacy_guard.value_leaks(leaky, identifiers) == [
        f"intermediate.leaky_lists.variants: 1 values, e.g. ['{postcode}']",
        f"marts.leaky_mart.area: 1 values, e.g. ['{postcode}']",
    ]


def test_a_count_equal_to_a_reference_is_not_a_leak_but_a_column_of_references_is(
    built_borough: Workspace, tmp_path
) -> None:
    """A numeric column that happens to hold one short system reference (a row
    count equal to a person id) passes; a numeric column of such references
    fails, and so does a long number (an NHS number, a UPRN) wherever it is."""
    manifest = json.loads((built_borough.target / "manifest.json").read_text())
    identifiers = privacy_guard.landing_identifier_values(manifest, built_borough.landing)
    short = sorted(v for v in identifiers if v.isdigit() and len(v) < privacy_guard.LONG_NUMBER_DIGITS)[:20]
    long_number = next(v for v in sorted(identifiers)
                       if v.isdigit() and len(v) >= privacy_guard.LONG_NUMBER_DIGITS and v[0] != "0")
    assert len(short) == 20
    leaky = tmp_path / "leaky.duckdb"
    shutil.copy(built_borough.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        con.execute("create table marts.row_counts as select unnest([?::bigint, 3, 17, 42]) as received_row_count",
                    [short[0]]).fetchall()
        con.execute("create table marts.people as select unnest(?::bigint[]) as reference_number", [short]).fetchall()
        con.execute("create table marts.patients as select unnest([?::bigint, 3, 17, 42]) as patient_count",
                    [long_number]).fetchall()
    assert privacy_guard.value_leaks(leaky, identifiers) == [
        f"marts.patients.patient_count: 1 values, e.g. ['{long_number}']",
        f"marts.people.reference_number: 20 values, e.g. {sorted(short)[:3]}",
    ]


def test_no_identifier_or_token_columns_where_they_must_not_be(built_borough: Workspace) -> None:
    assert privacy_guard.column_leaks(built_borough.warehouse) == []
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        schemas = {schema for (schema,) in con.execute("select schema_name from information_schema.schemata").fetchall()}
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
            assert rows < records, f"marts.{table} has {rows} rows for {records} records"
