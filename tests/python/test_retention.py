"""Retention is executable.

Rules guarded: the Hub's limit (vars.hub_retention_years after a commission
closes) is computed in Python exactly as DuckDB's `+ interval N year`
computes it in the models' SQL, on every day, 29 February included; a
commission expires the day after its limit unless a commission-wide exception
under review holds it; the purge's landing guard refuses a commission that
has not expired; the record of processing marks what the purge removes. On
one expired and one live commission side by side, built by dbt:
purge_expired is a dry run unless told to apply; applied, it removes the
expired commission's rows from every table and its landing folder, leaves the
live commission's data byte-for-byte untouched, appends every run to an audit
table, removes nothing the second time, and the build then passes (a build
refuses an expired commission's landing data: test_governance proves that
rule on the manifest).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_project import PROJECT_ROOT, Workspace, copy_project

from insight_hub import record_of_processing
from insight_hub.dbt_plugins import retention as retention_plugin
from insight_hub.governance import registers, retention
from insight_hub.person_extract import onboard

LIVE, EXPIRED = "IH-2026-001", "IH-2022-007"
BEFORE_EXPIRY = "2025-06-01"  # IH-2022-007 closed 2023-03-31: kept until 2026-03-31
YEARS = retention.hub_retention_years(PROJECT_ROOT)


# The rule, in Python, against DuckDB's arithmetic and on the registers.


@pytest.mark.parametrize("years", sorted({1, 3, 4, YEARS}))
def test_the_hub_limit_is_duckdbs_interval_arithmetic_on_every_day(years: int) -> None:
    """retention_expiry_date (SQL) adds `interval N year`; retention.add_years (Python) must give the
    same day for every close date: 2023 to 2029 (29 February 2024 and 2028) and 2096 to 2100 (2100
    has no 29 February)."""
    with duckdb.connect() as con:
        expected = con.execute(f"""
            select cast(day as date), cast(day + interval {years} year as date)
            from (select unnest(range(date '2023-01-01', date '2030-01-01', interval 1 day)) as day
                  union all select unnest(range(date '2096-01-01', date '2101-01-01', interval 1 day)))
            order by 1
        """).fetchall()
    assert len(expected) == 7 * 365 + 2 + 5 * 365 + 1
    assert sum(day.month == 2 and day.day == 29 for day, _ in expected) == 3
    assert [(day, retention.add_years(day, years)) for day, _ in expected] == expected


def _commission(commission_id: str, close_date: str) -> registers.Row:
    return {"commission_id": commission_id, "close_date": close_date}


def _exception(commission_id: str, extended_until: str, review_date: str, retention_class: str = "") -> registers.Row:
    return {
        "commission_id": commission_id,
        "retention_class": retention_class,
        "extended_until": extended_until,
        "review_date": review_date,
    }


def test_a_commission_expires_the_day_after_its_limit() -> None:
    commissions = [_commission("A", "2024-02-29")]
    limit = retention.add_years(dt.date(2024, 2, 29), YEARS)
    assert retention.expired_commissions(commissions, [], limit, YEARS) == []
    assert retention.expired_commissions(commissions, [], limit + dt.timedelta(days=1), YEARS) == ["A"]


def test_only_a_commission_wide_exception_under_review_holds_a_commission() -> None:
    commissions = [_commission("B", "2020-03-31")]
    on = dt.date(2026, 11, 1)
    assert retention.expired_commissions(commissions, [], on, YEARS) == ["B"]
    assert retention.expired_commissions(commissions, [_exception("B", "2027-03-31", "2026-11-01")], on, YEARS) == []
    assert retention.expired_commissions(commissions, [_exception("B", "2027-03-31", "2026-10-31")], on, YEARS) == [
        "B"
    ], "an exception past its review date holds nothing"
    assert retention.expired_commissions(commissions, [_exception("B", "2026-10-31", "2027-01-01")], on, YEARS) == [
        "B"
    ], "an exception never holds past its own date"
    assert retention.expired_commissions(
        commissions, [_exception("B", "2027-03-31", "2027-01-01", "homelessness_case")], on, YEARS
    ) == ["B"], "a class's exception does not hold the commission"


def test_the_purge_guard_refuses_a_commission_that_has_not_expired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """insight_hub_purge_landing removes files only of a commission expired by the same rule, whatever SQL asks."""
    folder = tmp_path / "governance"
    shutil.copytree(PROJECT_ROOT / "seeds" / "governance", folder)
    with (folder / "commissions.csv").open("a") as register:
        register.write(
            f"{EXPIRED},Review,Housing Needs,Review.,Name,UK GDPR Art. 6(1)(e),2022-04-01,2023-03-31,RA-2026-014,closed\n"
        )
    landing = tmp_path / "landing"
    for commission in (LIVE, EXPIRED):
        (landing / commission / "housing").mkdir(parents=True)
        (landing / commission / "housing" / "extract.csv").write_text("x\n")
    monkeypatch.setenv("INSIGHT_HUB_LANDING", str(landing))
    plugin = BasePlugin.create(
        "insight_hub.dbt_plugins.retention", config={"registers": str(folder), "project_dir": str(PROJECT_ROOT)}
    )
    assert isinstance(plugin, retention_plugin.Plugin)
    limit = retention.add_years(dt.date(2023, 3, 31), YEARS)
    assert plugin.expired(limit) == []
    with pytest.raises(ValueError, match=f"commission {EXPIRED} is retained on {limit}"):
        plugin.purge_landing(EXPIRED, limit, True)
    with pytest.raises(ValueError, match=f"commission {LIVE} is retained"):
        plugin.purge_landing(LIVE, limit + dt.timedelta(days=1), True)
    with pytest.raises(ValueError, match="is not in"):
        plugin.purge_landing("IH-1999-001", limit + dt.timedelta(days=1), True)
    assert plugin.purge_landing(EXPIRED, limit + dt.timedelta(days=1), False) == 1
    assert (landing / EXPIRED).is_dir(), "a dry run removed files"
    assert plugin.purge_landing(EXPIRED, limit + dt.timedelta(days=1), True) == 1
    assert not (landing / EXPIRED).exists() and (landing / LIVE).is_dir()


def test_the_record_of_processing_marks_what_the_purge_removes() -> None:
    close = dt.date(2027, 3, 31)  # IH-2026-001's close date in the register
    limit = retention.add_years(close, YEARS)
    empty: dict[str, Any] = {"nodes": {}, "sources": {}}
    kept = record_of_processing.build_report(empty, limit)
    assert f"data kept at most until {limit.isoformat()} ({YEARS} years after close)" in kept
    assert "**expired" not in kept
    assert "**expired: purge_expired removes it**" in record_of_processing.build_report(
        empty, limit + dt.timedelta(days=1)
    )


# purge_expired end to end: a borough with an expired commission beside the live one.


def _add_expired_commission(project: Path) -> None:
    governance = project / "seeds" / "governance"
    with (governance / "commissions.csv").open("a") as register:
        register.write(
            f"{EXPIRED},Homelessness prevention review,Housing Needs,Review prevention outcomes.,"
            "Name|Address & contact details|Equalities Information|Property information|Housing Information|"
            "Family/Relationship Information|Health/Medical Information,UK GDPR Art. 6(1)(e),"
            "2022-04-01,2023-03-31,RA-2022-031,closed\n"
        )
    with (governance / "risk_assessments.csv").open("a") as register:
        register.write(
            f"RA-2022-031,{EXPIRED},DPIA: homelessness prevention review,approved,Data Protection Officer,"
            "2022-03-20,2026-03-31\n"
        )
    housing = yaml.safe_load((project / "models/staging/housing/_housing__sources.yml").read_text())["sources"][0]
    table = next(t for t in housing["tables"] if t["name"] == "homelessness_hclic")
    source = {
        **housing,
        "name": "housing_review_2022",
        "tables": [table],
        "config": {**housing["config"], "meta": {**housing["config"]["meta"], "commission": EXPIRED}},
    }
    folder = project / "models/staging/housing_review_2022"
    folder.mkdir()
    (folder / "_housing_review_2022__sources.yml").write_text(
        yaml.safe_dump({"version": 2, "sources": [source]}, sort_keys=False)
    )
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
            "where table_type = 'BASE TABLE' and table_schema <> 'audit' order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            ]
            where = f"where commission_id is distinct from '{EXPIRED}'" if "commission_id" in columns else ""
            rows = con.execute(f'select * from "{schema}"."{table}" {where} order by all').fetchall()
            prints[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    for path in sorted((workspace.landing / LIVE).rglob("*")):
        if path.is_file():
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def _expired_rows(workspace: Workspace) -> int:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        counted = con.execute(
            "select count(*) from intermediate.int_person_records__geocoded where commission_id = ?", [EXPIRED]
        ).fetchone()
    assert counted is not None, "count(*) returns a row"
    return counted[0]


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
    workspace.generate_borough(
        "--scale",
        "0.02",
        "--commission",
        EXPIRED,
        "--services",
        "housing",
        "--as-of",
        "2023-03-01",
        "--deliveries",
        "1",
    )
    # seeds, models and snapshots: what a purge reaches (the build's tests are the main borough's concern)
    workspace.dbt(
        "build", "--exclude", "test_type:data", "test_type:unit", "--vars", f"{{as_of_date: '{BEFORE_EXPIRY}'}}"
    )
    return workspace


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
    applied = _audit(two_commissions)[len(dry) :]
    assert (False, EXPIRED, "intermediate.int_person_records__geocoded", expired_before) in applied
    assert any(relation == f"landing/{EXPIRED}" and removed > 0 for _, _, relation, removed in applied)

    two_commissions.dbt("run-operation", "purge_expired", "--args", "{apply: true}")
    again = _audit(two_commissions)[len(dry) + len(applied) :]
    assert again and all(removed == 0 for *_, removed in again), "a second purge removed more"
    assert _audit(two_commissions)[: len(dry) + len(applied)] == dry + applied, "the audit trail was rewritten"


def test_build_after_purge_passes(two_commissions: Workspace) -> None:
    two_commissions.dbt("run-operation", "purge_expired", "--args", "{apply: true}")
    completed = two_commissions.dbt("build", "--select", "commissions", "--resource-type", "seed")
    assert "Governance check passed" in completed.stdout
