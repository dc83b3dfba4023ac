"""Retention is executable: one expired and one live commission side by side.

Rules guarded: a build refuses to read an expired commission's data;
purge_expired is a dry run unless told to apply; applied, it removes the
expired commission's rows from every table and its landing folder, leaves the
live commission's data byte-for-byte untouched, appends every run to an audit
table, and removing nothing the second time.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from insight_hub.person_extract import onboard
from dbt_project import Workspace, copy_project

LIVE, EXPIRED = "IH-2026-001", "IH-2022-007"
BEFORE_EXPIRY = "2025-06-01"  # IH-2022-007 closed 2023-03-31: kept until 2026-03-31


def _add_expired_commission(project: Path) -> None:
    governance = project / "seeds" / "governance"
    with (governance / "commissions.csv").open("a") as register:
        register.write(f"{EXPIRED},Homelessness prevention review,Housing Needs,Review prevention outcomes.,"
                       "Name|Address & contact details|Equalities Information|Property information|Housing Information|"
                       "Family/Relationship Information|Health/Medical Information,UK GDPR Art. 6(1)(e),"
                       "2022-04-01,2023-03-31,RA-2022-031,closed\n")
    with (governance / "risk_assessments.csv").open("a") as register:
        register.write(f"RA-2022-031,{EXPIRED},DPIA: homelessness prevention review,approved,Data Protection Officer,"
                       "2022-03-20,2026-03-31\n")
    housing = yaml.safe_load((project / "models/staging/housing/_housing__sources.yml").read_text())["sources"][0]
    table = next(t for t in housing["tables"] if t["name"] == "homelessness_hclic")
    source = {**housing, "name": "housing_review_2022", "tables": [table],
              "config": {**housing["config"], "meta": {**housing["config"]["meta"], "commission": EXPIRED}}}
    folder = project / "models/staging/housing_review_2022"
    folder.mkdir()
    (folder / "_housing_review_2022__sources.yml").write_text(yaml.safe_dump({"version": 2, "sources": [source]}, sort_keys=False))
    onboard("housing_review_2022", "homelessness_hclic", project)
    settings = yaml.safe_load((project / "dbt_project.yml").read_text())
    settings["vars"]["person_extracts"].append("stg_housing_review_2022__homelessness_hclic")
    (project / "dbt_project.yml").write_text(yaml.safe_dump(settings, sort_keys=False))


def _fingerprint(workspace: Workspace) -> dict[str, str]:
    """Hash of every table's live-commission rows (all rows where it has no
    commission_id) and of every live landing file."""
    prints: dict[str, str] = {}
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema <> 'audit' order by 1, 2").fetchall()
        for schema, table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table]).fetchall()]
            where = f"where commission_id is distinct from '{EXPIRED}'" if "commission_id" in columns else ""
            rows = con.execute(f'select * from "{schema}"."{table}" {where} order by all').fetchall()
            prints[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    for path in sorted((workspace.landing / LIVE).rglob("*")):
        if path.is_file():
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def _expired_rows(workspace: Workspace) -> int:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(
            "select count(*) from intermediate.int_person_records__geocoded where commission_id = ?", [EXPIRED]
        ).fetchone()[0]


def _audit(workspace: Workspace) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(
            "select is_dry_run, commission_id, relation_name, rows_removed from audit.retention_purges order by purged_at"
        ).fetchall()


@pytest.fixture(scope="module")
def two_commissions(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("retention")
    project = copy_project(root / "project")
    _add_expired_commission(project)
    workspace = Workspace(root / "run", project=project, master_key=built_borough.master_key)
    shutil.copytree(built_borough.landing, workspace.landing)
    workspace.generate_borough("--scale", "0.02", "--commission", EXPIRED, "--services", "housing",
                               "--as-of", "2023-03-01", "--deliveries", "1")
    workspace.dbt("build", "--vars", f"{{as_of_date: '{BEFORE_EXPIRY}'}}")
    return workspace


def test_build_refuses_expired_data(two_commissions: Workspace) -> None:
    completed = two_commissions.dbt("build", "--select", "commissions", "--resource-type", "seed", check=False)
    assert completed.returncode != 0
    assert f"the retention of commission {EXPIRED} has ended" in completed.stdout


def test_purge_dry_run_then_apply_then_idempotent(two_commissions: Workspace) -> None:
    expired_before = _expired_rows(two_commissions)
    assert expired_before > 0
    live_before = _fingerprint(two_commissions)

    two_commissions.dbt("run-operation", "purge_expired")
    assert _expired_rows(two_commissions) == expired_before, "a dry run removed data"
    assert (two_commissions.landing / EXPIRED).is_dir()
    dry = _audit(two_commissions)
    assert dry and all(is_dry for is_dry, *_ in dry)
    assert (True, EXPIRED, "intermediate.int_person_records__geocoded", expired_before) in dry

    two_commissions.dbt("run-operation", "purge_expired", "--args", "{apply: true}")
    assert _expired_rows(two_commissions) == 0
    assert not (two_commissions.landing / EXPIRED).exists()
    assert _fingerprint(two_commissions) == live_before, "purge touched live data"
    applied = _audit(two_commissions)[len(dry):]
    assert (False, EXPIRED, "intermediate.int_person_records__geocoded", expired_before) in applied
    assert any(relation == f"landing/{EXPIRED}" and removed > 0 for _, _, relation, removed in applied)

    two_commissions.dbt("run-operation", "purge_expired", "--args", "{apply: true}")
    again = _audit(two_commissions)[len(dry) + len(applied):]
    assert again and all(removed == 0 for *_, removed in again), "a second purge removed more"
    assert _audit(two_commissions)[: len(dry) + len(applied)] == dry + applied, "the audit trail was rewritten"


def test_build_after_purge_passes(two_commissions: Workspace) -> None:
    two_commissions.dbt("run-operation", "purge_expired", "--args", "{apply: true}")
    completed = two_commissions.dbt("build", "--select", "commissions", "--resource-type", "seed")
    assert "Governance check passed" in completed.stdout
