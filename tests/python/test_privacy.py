"""Privacy rules proved on a built borough, not asserted in comments.

- no identifier value from the landing files, in any form normalisation could
  give it or as an unkeyed digest (md5, sha1, sha256, hash()), in any leaf of
  any column (text, numbers, lists, structs, maps) of any relation of the
  warehouse, the staging schema's tables included;
- no date of birth stored beside a record or person key, whatever the column
  is called, while event dates (which fall on somebody's birthday) pass;
- no cleartext identifier column outside staging; no token column in a mart;
- no stored test-failure table.

Each attack is done to a copy of the built warehouse (or, for the date of
birth, built by dbt in a copy of the project) and must be caught by the guard
`make build` runs after every build.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dbt_project import Workspace, copy_project

from insight_hub import person_extract, privacy_guard

NHS_PARTNER = "source.insight_hub.nhs_partner.nhs_partner_extract"


def _manifest(workspace: Workspace) -> dict:
    return json.loads((workspace.target / "manifest.json").read_text())


@pytest.fixture
def guard_env(built_borough: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard reads the staging views, so it runs with the build's key and target."""
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    monkeypatch.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", built_borough.master_key)
    monkeypatch.setenv("INSIGHT_HUB_TARGET", "test")


def test_the_built_borough_holds_no_identifier_value_digest_or_date_of_birth(
    built_borough: Workspace, guard_env: None
) -> None:
    values, leaks = privacy_guard.check(built_borough.warehouse, _manifest(built_borough))
    assert values > 10_000, "the guard found too few identifier values to mean anything"
    assert leaks == []


@pytest.fixture(scope="module")
def attacked(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str]]:
    """A copy of the built warehouse with every attack below stored in it, the
    values each attack used, and what the guard reports on it (one guard run)."""
    manifest = _manifest(built_borough)
    extract = manifest["sources"][NHS_PARTNER]["relation_name"]
    leaky = tmp_path_factory.mktemp("attacked") / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        first = con.execute(
            f'select "POSTCODE", "NHS_NUMBER" from {extract} where "POSTCODE" similar to '
            "'[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}' and \"NHS_NUMBER\" similar to '[1-9][0-9]{9}' "
            "order by 1 limit 1"
        ).fetchall()[0]
        used = {"postcode": first[0], "nhs_number": first[1]}
        for statement in [
            # a cleartext value in a mart, and inside a list
            f"create table marts.leaky_mart as select '{used['postcode']}' as area",
            f"create table intermediate.leaky_lists as select ['0123', '{used['postcode']}'] as variants",
            # renamed identifiers in a struct, a map and whole numbers held as decimals and doubles
            f"""create table intermediate.leaky_people as select
                    {{'given': "PERSON_GIVEN_NAME", 'fam': "PERSON_FAMILY_NAME"}} as person,
                    map(["NHS_NUMBER"], [1]) as seen,
                    cast("NHS_NUMBER" as double) as nhs,
                    [{{'codes': [cast("NHS_NUMBER" as decimal(18, 0))]}}] as nested
                from {extract} where "NHS_NUMBER" similar to '[1-9][0-9]{{9}}'""",
            # unkeyed digests: reversible by anyone with a list of names or NHS numbers
            f"""create table intermediate.leaky_digests as select
                    upper(md5("NHS_NUMBER")) as nhs_check,
                    sha256(upper("PERSON_FAMILY_NAME")) as fam_check,
                    sha1(lower("PERSON_GIVEN_NAME")) as given_check,
                    hash("PERSON_FAMILY_NAME") as fam_hash
                from {extract}""",
            # what a staging model materialized as a table stores: the whole cleartext extract
            f"create table staging.stg_nhs_partner__nhs_partner_extract_stored as select * from {extract}",
        ]:
            con.execute(statement).fetchall()
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", built_borough.master_key)
        env.setenv("INSIGHT_HUB_TARGET", "test")
        _, leaks = privacy_guard.check(leaky, manifest)
    return used, leaks


def _caught(leaks: list[str], relation: str, leaf: str) -> str:
    found = [leak for leak in leaks if leak.startswith(f"{relation}.{leaf}: ")]
    assert found, f"{relation}.{leaf} not caught; the guard reported:\n" + "\n".join(leaks)
    return found[0]


def test_cleartext_in_a_mart_and_inside_a_list_is_caught(attacked: tuple[dict, list[str]]) -> None:
    used, leaks = attacked
    assert _caught(leaks, "marts.leaky_mart", "area") == f"marts.leaky_mart.area: 1 values, e.g. ['{used['postcode']}']"
    assert _caught(leaks, "intermediate.leaky_lists", "variants[]") == (
        f"intermediate.leaky_lists.variants[]: 1 values, e.g. ['{used['postcode']}']"
    )


@pytest.mark.parametrize("leaf", ["person.given", "person.fam", "seen{key}", "nhs", "nested[].codes[]"])
def test_renamed_identifiers_in_structs_maps_and_numbers_are_caught(
    attacked: tuple[dict, list[str]], leaf: str
) -> None:
    _caught(attacked[1], "intermediate.leaky_people", leaf)


@pytest.mark.parametrize("leaf", ["nhs_check", "fam_check", "given_check", "fam_hash"])
def test_unkeyed_digests_are_caught(attacked: tuple[dict, list[str]], leaf: str) -> None:
    """md5 in upper-case hex, sha256 and sha1 of a normalised form, DuckDB's hash() as a UBIGINT."""
    _caught(attacked[1], "intermediate.leaky_digests", leaf)


@pytest.mark.parametrize("leaf", ["NHS_NUMBER", "PERSON_FAMILY_NAME", "POSTCODE", "PERSON_BIRTH_DATE"])
def test_cleartext_in_a_staging_schema_table_is_caught(attacked: tuple[dict, list[str]], leaf: str) -> None:
    _caught(attacked[1], "staging.stg_nhs_partner__nhs_partner_extract_stored", leaf)


def test_only_the_attacks_are_reported(attacked: tuple[dict, list[str]]) -> None:
    assert {".".join(leak.split(":")[0].split(".")[:2]) for leak in attacked[1]} == {
        "marts.leaky_mart",
        "intermediate.leaky_lists",
        "intermediate.leaky_people",
        "intermediate.leaky_digests",
        "staging.stg_nhs_partner__nhs_partner_extract_stored",
    }


def test_a_count_equal_to_a_reference_is_not_a_leak_but_a_column_of_references_is(
    built_borough: Workspace, guard_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A numeric column that happens to hold one short system reference (a row
    count equal to a person id) passes; a numeric column of such references
    fails, and so does a long number (an NHS number, a UPRN) wherever it is."""
    manifest = _manifest(built_borough)
    with privacy_guard.guard_connection(built_borough.warehouse, manifest) as con:
        privacy_guard.load_identifiers(con, manifest)
        short = [
            str(n)
            for (n,) in con.execute(
                "select number from guarded_numbers where is_short and number > 100 order by number limit 20"
            ).fetchall()
        ]
        (long_number,) = con.execute(
            "select min(form) from landing_forms where regexp_full_match(form, '[1-9][0-9]{9}')"
        ).fetchall()[0]
    assert len(short) == 20
    leaky = tmp_path / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        con.execute(
            "create table marts.row_counts as select unnest([?::bigint, 3, 17, 42]) as received_row_count", [short[0]]
        ).fetchall()
        con.execute("create table marts.people as select unnest(?::bigint[]) as reference_number", [short]).fetchall()
        con.execute(
            "create table marts.patients as select unnest([?::bigint, 3, 17, 42]) as patient_count", [long_number]
        ).fetchall()
    # the first connection's plugin took the key out of the environment, as it does in a build
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    monkeypatch.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", built_borough.master_key)
    _, leaks = privacy_guard.check(leaky, manifest)
    assert leaks == [
        f"marts.patients.patient_count: 1 values, e.g. ['{long_number}']",
        f"marts.people.reference_number: 20 values, e.g. {sorted(short)[:3]}",
    ]


def test_a_code_many_records_share_is_vocabulary_but_a_rare_one_is_guarded(
    built_borough: Workspace, guard_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery's attribute column may hold a code that is also somebody's
    surname (a payment method CASH, a frailty category): stored in a mart, a
    code CODE_MIN_RECORDS records share passes, but the same column holding a
    surname on fewer records (one person's value typed into the wrong field)
    is still a leak. Both surnames are leaks before they turn up as codes."""
    manifest = _manifest(built_borough)
    extract = manifest["sources"][NHS_PARTNER]
    with duckdb.connect() as con:
        rows = con.execute(f"""
            select "RECORD_ID", "PERSON_FAMILY_NAME" from {extract["relation_name"]}
            where regexp_full_match("PERSON_FAMILY_NAME", '[A-Z][a-z]{{5,}}')
            qualify count(*) over (partition by "PERSON_FAMILY_NAME") = 1 order by 1
        """).fetchall()
    (_, code), (_, rare) = rows[0], rows[1]
    leaky = tmp_path / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        con.execute(
            "create table marts.frailty_counts as select unnest([?, ?]) as frailty_category", [code, rare]
        ).fetchall()
    _, before = privacy_guard.check(leaky, manifest)
    assert before == [f"marts.frailty_counts.frailty_category: 2 values, e.g. {sorted([code, rare])}"]
    # the same deliveries, in a copy of the landing folder, with the first surname as the frailty
    # category of CODE_MIN_RECORDS records and the second as that of one record
    coded = {record for record, _ in rows[2 : 2 + privacy_guard.CODE_MIN_RECORDS]}
    landing = tmp_path / "landing"
    shutil.copytree(built_borough.landing, landing)
    for path in landing.rglob("nhs_partner_extract_*.csv"):
        extract_rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        extract_rows.loc[extract_rows["RECORD_ID"].isin(coded), "FRAILTY_CATEGORY"] = code
        extract_rows.loc[extract_rows["RECORD_ID"] == rows[-1][0], "FRAILTY_CATEGORY"] = rare
        extract_rows.to_csv(path, index=False)
    manifest["sources"][NHS_PARTNER] = json.loads(json.dumps(extract).replace(str(built_borough.landing), str(landing)))
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    monkeypatch.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", built_borough.master_key)  # the plugin took it
    _, after = privacy_guard.check(leaky, manifest)
    assert after == [f"marts.frailty_counts.frailty_category: 1 values, e.g. ['{rare}']"]


@pytest.fixture(scope="module")
def birthday_build(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A careless analyst's build, in a copy of the project on a copy of the
    warehouse: the NHS extract's date of birth is also declared an attribute
    (`bd`, a date), so its staging view carries it, and an intermediate model
    stores it next to the event date. Every declaration is consistent, so
    only the value guard can see it."""
    root = tmp_path_factory.mktemp("birthdays")
    project = copy_project(root / "project")
    workspace = Workspace(root / "run", project=project, master_key=built_borough.master_key)
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_borough.warehouse, workspace.warehouse)
    workspace.landing.symlink_to(built_borough.landing)
    sources = project / "models/staging/nhs_partner/_nhs_partner__sources.yml"
    sources.write_text(
        sources.read_text().replace(
            "config: {meta: {role: date_of_birth, data_category: Equalities Information}}",
            "config: {meta: {role: [date_of_birth, attribute], as: bd, type: date, data_category: Equalities Information}}",
        )
    )
    person_extract.onboard("nhs_partner", "nhs_partner_extract", project_dir=project)
    staging = yaml.safe_load(
        (project / "models/staging/nhs_partner/stg_nhs_partner__nhs_partner_extract.yml").read_text()
    )
    declared = {c["name"]: c for c in staging["models"][0]["columns"]}
    model = project / "models/intermediate/person_records/int_person_records__birthdays.sql"
    model.write_text(
        "with\n\nrecords as (\n    select * from {{ ref('stg_nhs_partner__nhs_partner_extract') }}\n),\n\n"
        "dated as (\n    select\n        record_token,\n        event_date,\n        bd\n    from records\n"
        "    where is_current_version\n)\n\nselect * from dated\n"
    )
    model.with_suffix(".yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {
                        "name": "int_person_records__birthdays",
                        "description": "Records with their event and a date.",
                        "columns": [
                            {**declared[name], "description": f"The record's {name}."}
                            for name in ("record_token", "event_date", "bd")
                        ],
                    }
                ],
            }
        )
    )
    workspace.dbt("build", "--select", "stg_nhs_partner__nhs_partner_extract", "int_person_records__birthdays")
    return workspace


def test_a_date_of_birth_stored_next_to_event_dates_is_caught(
    birthday_build: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row by row: the stored `bd` equals its record's landing date of birth;
    event dates, which coincide with somebody's birthday, are not flagged."""
    assert birthday_build.master_key is not None, "built under the built borough's key"
    monkeypatch.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", birthday_build.master_key)
    monkeypatch.setenv("INSIGHT_HUB_TARGET", "test")
    _, leaks = privacy_guard.check(birthday_build.warehouse, _manifest(birthday_build), birthday_build.project)
    births = [leak for leak in leaks if "holds the date of birth" in leak]
    assert [leak.split(":")[0] for leak in births] == [
        "intermediate.int_person_records__birthdays.bd",
        "staging.stg_nhs_partner__nhs_partner_extract.bd",
    ], "\n".join(leaks)
    counts = re.search(r"of (\d+) of (\d+) records", births[0])
    assert counts is not None, births[0]
    matched, compared = map(int, counts.groups())
    assert matched == compared > 1000


def test_no_identifier_or_token_columns_where_they_must_not_be(built_borough: Workspace) -> None:
    assert privacy_guard.column_leaks(built_borough.warehouse) == []
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        schemas = {
            schema for (schema,) in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
    assert not [s for s in schemas if "dbt_test__audit" in s], "test failures were stored"


def test_marts_are_aggregates(built_borough: Workspace) -> None:
    """A row of a mart, diagnostic, suppression table or share is a group (ward,
    service, ...), never a person: none has as many rows as the spine has records."""
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        counted = con.execute("select count(*) from intermediate.int_person_records__geocoded").fetchone()
        assert counted is not None, "count(*) returns a row"
        (records,) = counted
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in (select unnest(?))",
            [list(privacy_guard.AGGREGATE_SCHEMAS)],
        ).fetchall()
        assert {schema for schema, _ in tables} == set(privacy_guard.AGGREGATE_SCHEMAS)
        for schema, table in tables:
            counted = con.execute(f'select count(*) from {schema}."{table}"').fetchone()
            assert counted is not None, "count(*) returns a row"
            (rows,) = counted
            assert rows < records, f"{schema}.{table} has {rows} rows for {records} records"
