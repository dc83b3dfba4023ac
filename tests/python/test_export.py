"""The export command, on the built borough: what it writes, every refusal, and the attacks it must resist.

Rules guarded (insight_hub/export.py, macros/build_record.sql):
- an approved (recipient, commission) pair gets each approved sharing output
  as CSV and Parquet in exports/<recipient>/<commission>/, with a manifest
  naming the source models and their lineage, the build and export times,
  the disclosure rules applied and the approval reference; the files hold
  only that recipient's rows, and no count between 1 and the threshold;
- it refuses, with a one-line reason and exit status 2: a recipient not in
  the published privacy notice, a commission not in the register, an
  unapproved or out-of-date (recipient, commission, output), a model that is
  not an aggregate, a model that is not a sharing output, an output built
  from commercially licensed data the recipient is not cleared for, and an
  approval newer than the build (no rows to export);
- nothing the caller names is believed: approvals and clearances are judged
  on today's date (there is no --as-of); the registers are the warehouse's
  governance seeds and the seed files together, and count only where the two
  agree (no --registers folder); lineage comes from the manifest the last
  build recorded in the warehouse, and rows another run built are refused
  (no --target to disagree with --warehouse);
- the manifest a recipient gets names no local path, user or host; who
  exported what, from which build, with which digests, is appended to
  audit.exports, and an export that cannot be recorded there writes nothing.

Every test works on copies of the session's warehouse and, where it edits a
register, of seeds/governance (export.PROJECT_ROOT points at the copy).
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_project import PROJECT_ROOT, Workspace

from insight_hub import export

COMMISSION = "IH-2026-001"
TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
TWO_DAYS_AGO = (TODAY - dt.timedelta(days=2)).isoformat()
POLICE = ("--recipient", "Police", "--commission", COMMISSION, "--output", "ward_community_safety_demand")
COUNCIL = ("--recipient", "Council services (all)", "--commission", COMMISSION, "--output", "segment_multiple_needs")
HEALTH = ("--recipient", "Health Agencies", "--commission", COMMISSION)


@dataclass(frozen=True)
class Copy:
    """A copy of the built warehouse and of the governance seed files, for one test to change."""

    warehouse: Path
    project: Path
    exports: Path

    def change(self, register: str, statement: str, *, in_warehouse: bool = True, on_disk: bool = True) -> None:
        """Run one SQL statement (`{table}` for the register) on the warehouse's copy and/or the seed file."""
        if in_warehouse:
            with duckdb.connect(str(self.warehouse)) as con:
                con.execute(statement.format(table=f"governance.{register}"))
        if on_disk:
            path = self.project / "seeds" / "governance" / f"{register}.csv"
            with duckdb.connect() as con:
                con.execute(
                    f"create table register as select * from read_csv('{path}', header = true, all_varchar = true)"
                )
                con.execute(statement.format(table="register"))
                con.execute(f"copy register to '{path}' (header true)")


def _copy_warehouse(built_borough: Workspace, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(built_borough.warehouse, folder / built_borough.warehouse.name))


@pytest.fixture
def copy(built_borough: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Copy:
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "seeds" / "governance", project / "seeds" / "governance")
    monkeypatch.setattr(export, "PROJECT_ROOT", project)
    # The build's environment: where dbt wrote its artifacts (an older export read the manifest from here).
    monkeypatch.setenv("DBT_TARGET_PATH", str(built_borough.target))
    return Copy(_copy_warehouse(built_borough, tmp_path / "warehouse"), project, tmp_path / "exports")


def _run(
    warehouse: Path, exports_dir: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str]:
    status: int | str | None  # main's return, or the code argparse exits with
    try:
        status = export.main([*args, "--warehouse", str(warehouse), "--exports-dir", str(exports_dir)])
    except SystemExit as exit_:  # argparse: an option the command does not take
        status = exit_.code
    return status, capsys.readouterr().err


def _written(exports_dir: Path) -> list[Path]:
    return [path for path in exports_dir.rglob("*") if path.is_file()] if exports_dir.exists() else []


def _refused(copy: Copy, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, err = _run(copy.warehouse, copy.exports, capsys, *args)
    assert status == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("export refused: "), err
    assert not _written(copy.exports), "a refused export wrote files"
    return lines[0]


def _build_invocation(workspace: Workspace) -> str:
    return json.loads((workspace.target / "run_results.json").read_text())["metadata"]["invocation_id"]


@pytest.fixture(scope="module")
def health_export(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("health")
    warehouse = _copy_warehouse(built_borough, root / "warehouse")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "insight_hub.export",
            *HEALTH,
            "--warehouse",
            str(warehouse),
            "--exports-dir",
            str(root / "exports"),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=built_borough.env(),
    )
    assert completed.returncode == 0, completed.stderr
    folder = Path(completed.stdout.strip())
    assert folder == root / "exports" / "health-agencies" / COMMISSION
    return folder


def test_export_writes_csv_parquet_and_manifest(health_export: Path, built_borough: Workspace) -> None:
    manifest = json.loads((health_export / "manifest.json").read_text())
    assert manifest["recipient_type"] == "Health Agencies" and manifest["commission_id"] == COMMISSION
    assert manifest["exported_at"] and manifest["approval_checked_on"] == TODAY.isoformat()
    assert manifest["dbt"]["invocation_id"] == _build_invocation(built_borough)
    models = {entry["model"]: entry for entry in manifest["outputs"]}
    assert set(models) == {"share_borough_service_demand", "share_ward_service_demand", "share_lsoa_service_demand"}
    ward = models["share_ward_service_demand"]
    assert ward["approval"]["approval_id"] == "SA-2026-002"
    assert ward["rules_applied"][0]["suppress_up_to"] == 7 and ward["rules_applied"][0]["rounding_base"] == 5
    assert ward["rules_applied"][0]["disclosure_rule_id"] == "DR-DEFAULT"
    assert (
        ward["rules_applied"][0]["rates"] == "computed from the published (rounded) counts; withheld with their count"
    )
    assert (
        "ward_service_demand" in ward["lineage"]["models"] and "int_person_records__keyed" in ward["lineage"]["models"]
    )
    assert "housing.housing_register" in ward["lineage"]["sources"]
    assert ward["built_at"] and ward["build_invocation_id"] == manifest["dbt"]["invocation_id"]
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        counted = con.execute(
            "select count(*) from sharing.share_ward_service_demand "
            "where recipient_type = 'Health Agencies' and commission_id = ?",
            [COMMISSION],
        ).fetchone()
        assert counted is not None, "count(*) returns a row"
        (expected,) = counted
        for entry in models.values():
            for kind in ("csv", "parquet"):
                path = health_export / entry["files"][kind]["path"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["files"][kind]["sha256"]
            csv_rows = list(csv.DictReader((health_export / entry["files"]["csv"]["path"]).open()))
            counted = con.execute(
                f"select count(*) from read_parquet('{health_export / entry['files']['parquet']['path']}')"
            ).fetchone()
            assert counted is not None, "count(*) returns a row"
            (parquet_rows,) = counted
            assert len(csv_rows) == parquet_rows == entry["rows"]
    assert models["share_ward_service_demand"]["rows"] == expected
    assert sorted(path.name for path in health_export.parent.iterdir()) == [COMMISSION], "staging left behind"


def test_exported_files_are_disclosure_controlled(health_export: Path) -> None:
    withheld = 0
    for path in health_export.glob("*.csv"):
        rows = list(csv.DictReader(path.open()))
        assert "recipient_type" not in rows[0]
        for row in rows:
            assert row["commission_id"] == COMMISSION
            for column in [c for c in row if c.endswith("_count") and f"{c}_status" in row]:
                if row[f"{column}_status"] == "[c]":
                    assert row[column] == "", f"{path.name}: withheld {column} has a value"
                    withheld += 1
                else:
                    value = int(row[column])
                    assert value == 0 or value > int(row["suppress_up_to"]), f"{path.name}: {column} = {value}"
                    assert value % int(row["rounding_base"]) == 0
    assert withheld


def test_licensed_output_goes_to_a_cleared_recipient(copy: Copy, capsys) -> None:
    status, err = _run(
        copy.warehouse, copy.exports, capsys, "--recipient", "Council services (all)", "--commission", COMMISSION
    )
    assert status == 0, err
    manifest = json.loads((copy.exports / "council-services-all" / COMMISSION / "manifest.json").read_text())
    licensed = {
        entry["model"]
        for entry in manifest["outputs"]
        if entry["source_licences"].get("demograph.household_segments_postcode") == "commercial"
    }
    assert licensed == {"share_segment_multiple_needs"}


def test_refuses_a_recipient_not_in_the_privacy_notice(copy, capsys) -> None:
    message = _refused(copy, capsys, "--recipient", "Data brokers", "--commission", COMMISSION)
    assert "not in the published privacy notice" in message


def test_refuses_a_commission_not_in_the_register(copy, capsys) -> None:
    message = _refused(copy, capsys, "--recipient", "Police", "--commission", "IH-1999-999")
    assert "not in the commissions register" in message


def test_refuses_an_unapproved_pair(copy, capsys) -> None:
    message = _refused(
        copy, capsys, "--recipient", "Police", "--commission", COMMISSION, "--output", "ward_service_demand"
    )
    assert "no sharing approval for recipient 'Police'" in message
    message = _refused(copy, capsys, "--recipient", "Ofsted", "--commission", COMMISSION)
    assert "no in-date sharing approval" in message


@pytest.mark.parametrize(
    "dates", [f"expires_date = '{YESTERDAY}'", f"approved_date = '{TOMORROW}'"], ids=["expired", "not-yet-approved"]
)
def test_refuses_an_approval_out_of_date_today(copy, capsys, dates) -> None:
    copy.change("sharing_approvals", f"update {{table}} set {dates} where approval_id = 'SA-2026-005'")
    message = _refused(copy, capsys, *POLICE)
    assert "SA-2026-005" in message and f"is not in date on {TODAY}" in message


def test_refuses_a_model_that_is_not_an_aggregate(copy, capsys) -> None:
    message = _refused(
        copy, capsys, "--recipient", "Police", "--commission", COMMISSION, "--output", "int_person_records__keyed"
    )
    assert "is not an aggregate" in message


def test_refuses_a_model_that_is_not_a_sharing_output(copy, capsys) -> None:
    for model in ("delivery_data_quality", "dim_ward"):
        message = _refused(copy, capsys, "--recipient", "Police", "--commission", COMMISSION, "--output", model)
        assert "is not a sharing model" in message


def _add_approval(copy: Copy, approval_id: str, recipient: str, output: str) -> None:
    copy.change(
        "sharing_approvals",
        f"insert into {{table}} values ('{approval_id}', '{recipient}', '{COMMISSION}', "
        f"'{output}', 'Data Protection Officer', '{YESTERDAY}', '{TOMORROW}')",
    )


def test_refuses_commercially_licensed_data_not_cleared_for_the_recipient(copy, capsys) -> None:
    _add_approval(copy, "SA-TEST-9", "Voluntary Agencies /Third Sector", "segment_multiple_needs")
    message = _refused(
        copy,
        capsys,
        "--recipient",
        "Voluntary Agencies /Third Sector",
        "--commission",
        COMMISSION,
        "--output",
        "segment_multiple_needs",
    )
    assert "commercially licensed demograph.household_segments_postcode" in message
    assert "not cleared for 'Voluntary Agencies /Third Sector'" in message


def test_refuses_a_clearance_out_of_date_today(copy, capsys) -> None:
    copy.change(
        "licence_clearances", f"update {{table}} set expires_date = '{YESTERDAY}' where clearance_id = 'LC-2026-001'"
    )
    message = _refused(copy, capsys, *COUNCIL)
    assert f"not cleared for 'Council services (all)' on {TODAY}" in message


def test_refuses_an_approval_the_build_has_not_seen(copy, capsys) -> None:
    _add_approval(copy, "SA-TEST-8", "Police", "ward_multiple_needs")
    message = _refused(
        copy, capsys, "--recipient", "Police", "--commission", COMMISSION, "--output", "ward_multiple_needs"
    )
    assert "has no rows for 'Police'" in message and "SA-TEST-8" in message and "dbt build" in message


# --- attacks: the caller, the registers and the build ----------------------------------------------------------


@pytest.mark.parametrize(
    ("register", "statement", "args"),
    [
        (
            "sharing_approvals",
            f"update {{table}} set expires_date = '{YESTERDAY}' where approval_id = 'SA-2026-005'",
            POLICE,
        ),
        (
            "licence_clearances",
            f"update {{table}} set expires_date = '{YESTERDAY}' where clearance_id = 'LC-2026-001'",
            COUNCIL,
        ),
    ],
    ids=["approval", "licence-clearance"],
)
def test_attack_a_past_as_of_date_does_not_revive_an_expired_approval(copy, capsys, register, statement, args) -> None:
    """The old --as-of rehearsal wrote a recipient's files for an approval that had expired yesterday."""
    copy.change(register, statement)
    status, err = _run(copy.warehouse, copy.exports, capsys, *args, "--as-of", TWO_DAYS_AGO)
    assert status == 2, err
    assert not _written(copy.exports), (
        f"an approval that expired on {YESTERDAY} was exported by rehearsing {TWO_DAYS_AGO}"
    )


def test_attack_a_doctored_registers_folder_is_not_believed(copy, capsys, tmp_path) -> None:
    """The DPO revoked SA-2026-005 and the build loaded it; a folder holding the old register must not revive it."""
    doctored = tmp_path / "doctored"
    shutil.copytree(PROJECT_ROOT / "seeds" / "governance", doctored)
    copy.change(
        "sharing_approvals", f"update {{table}} set expires_date = '{YESTERDAY}' where approval_id = 'SA-2026-005'"
    )
    status, err = _run(copy.warehouse, copy.exports, capsys, *POLICE, "--registers", str(doctored))
    assert status == 2, err
    assert not _written(copy.exports), "a registers folder the caller named was believed"


def test_attack_a_doctored_seed_file_is_not_believed(copy, capsys) -> None:
    """The build loaded SA-2026-005 as expired; the seed file on disk is edited to say it is in date."""
    copy.change(
        "sharing_approvals",
        f"update {{table}} set expires_date = '{YESTERDAY}' where approval_id = 'SA-2026-005'",
        on_disk=False,
    )
    message = _refused(copy, capsys, *POLICE)
    assert "SA-2026-005" in message and "governance.sharing_approvals" in message and "disagree" in message


@pytest.mark.parametrize(
    ("register", "statement", "args"),
    [
        (
            "sharing_approvals",
            f"update {{table}} set expires_date = '{YESTERDAY}' where approval_id = 'SA-2026-005'",
            POLICE,
        ),
        ("sharing_approvals", "delete from {table} where approval_id = 'SA-2026-005'", POLICE),
        ("privacy_notice_recipients", "delete from {table} where recipient_type = 'Police'", POLICE),
        ("licence_clearances", "delete from {table} where clearance_id = 'LC-2026-001'", COUNCIL),
    ],
    ids=["approval-expired", "approval-withdrawn", "recipient-removed-from-notice", "clearance-withdrawn"],
)
def test_a_register_revoked_after_the_build_stops_exports_at_once(copy, capsys, register, statement, args) -> None:
    """The build's copy is stale in the permissive direction: the file on disk must approve too, and both must agree."""
    copy.change(register, statement, in_warehouse=False)
    message = _refused(copy, capsys, *args)
    assert f"seeds/governance/{register}.csv" in message and "disagree" in message


def test_attack_a_manifest_from_another_build_is_not_believed(
    copy, capsys, built_borough, tmp_path, monkeypatch
) -> None:
    """A copied target whose manifest claims another dbt invocation must not describe this warehouse's rows."""
    forged = tmp_path / "target"
    shutil.copytree(built_borough.target, forged)
    manifest = json.loads((forged / "manifest.json").read_text())
    manifest["metadata"]["invocation_id"] = "00000000-0000-0000-0000-000000000000"
    (forged / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("DBT_TARGET_PATH", str(forged))
    status, err = _run(copy.warehouse, copy.exports, capsys, *POLICE)
    assert status == 0, err
    shipped = json.loads((copy.exports / "police" / COMMISSION / "manifest.json").read_text())
    assert shipped["dbt"]["invocation_id"] == _build_invocation(built_borough), "the forged manifest was believed"


@pytest.fixture(scope="module")
def rebuilt_ward(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the warehouse in which a later partial run rebuilt share_ward_service_demand alone."""
    workspace = Workspace(tmp_path_factory.mktemp("rebuilt"), master_key=built_borough.master_key)
    _copy_warehouse(built_borough, workspace.warehouse.parent)
    workspace.dbt("run", "--select", "share_ward_service_demand", INSIGHT_HUB_LANDING=str(built_borough.landing))
    return workspace


def test_attack_rows_another_run_built_are_refused(rebuilt_ward, built_borough, tmp_path, capsys, monkeypatch) -> None:
    """The first build's manifest against a warehouse whose ward share a later run rebuilt: the family is refused."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(built_borough.target))
    status, err = _run(rebuilt_ward.warehouse, tmp_path / "exports", capsys, *HEALTH)
    assert status == 2 and "was last built by dbt invocation" in err and _build_invocation(built_borough) in err, err
    assert not _written(tmp_path / "exports")


def test_an_output_the_last_run_built_names_that_run(
    rebuilt_ward, built_borough, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(built_borough.target))
    status, err = _run(rebuilt_ward.warehouse, tmp_path / "exports", capsys, *HEALTH, "--output", "ward_service_demand")
    assert status == 0, err
    shipped = json.loads((tmp_path / "exports" / "health-agencies" / COMMISSION / "manifest.json").read_text())
    assert shipped["dbt"]["invocation_id"] == _build_invocation(rebuilt_ward) != _build_invocation(built_borough)


def test_refuses_a_warehouse_with_no_record_of_its_build(copy, capsys) -> None:
    with duckdb.connect(str(copy.warehouse)) as con:
        con.execute("drop table audit.dbt_invocations")
    message = _refused(copy, capsys, *POLICE)
    assert "no record of a build (audit.dbt_invocations)" in message


# --- what the recipient gets, and what the Hub keeps ------------------------------------------------------------


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_attack_the_recipient_manifest_names_no_path_user_or_host(
    health_export: Path, built_borough: Workspace
) -> None:
    text = (health_export / "manifest.json").read_text()
    local = {str(health_export.parents[2]), str(built_borough.root), str(PROJECT_ROOT), str(Path.home())} - {"/"}
    assert not [path for path in local if path in text], "the manifest names a local folder"
    assert not [s for s in _strings(json.loads(text)) if re.match(r"^(/|[A-Za-z]:\\|~)", s)], "an absolute path"
    for name in {getpass.getuser(), socket.gethostname()}:
        assert not re.search(rf"\b{re.escape(name)}\b", text), f"the manifest names {name!r}"


def test_the_export_is_recorded_in_the_audit_table(copy, capsys, built_borough) -> None:
    def exports() -> list[tuple]:
        with duckdb.connect(str(copy.warehouse), read_only=True) as con:
            return con.execute("select * from audit.exports order by exported_at, model_name").fetchall()

    # the session's borough may already have been exported (conftest.borough_exports): only the rows added count
    with duckdb.connect(str(copy.warehouse)) as con:
        con.execute("drop table if exists audit.exports")
    for run in (1, 2):
        status, err = _run(copy.warehouse, copy.exports, capsys, *HEALTH)
        assert status == 0, err
        folder = copy.exports / "health-agencies" / COMMISSION
        shipped = json.loads((folder / "manifest.json").read_text())
        recorded = exports()
        outputs = len(shipped["outputs"])
        assert outputs >= 3 and len(recorded) == outputs * run
        if run == 1:
            first = recorded
        assert recorded[:outputs] == first, "audit.exports was rewritten"
        with duckdb.connect(str(copy.warehouse), read_only=True) as con:
            rows = {
                row[0]: row[1:]
                for row in con.execute(
                    "select model_name, exported_by, exported_from_host, recipient_type, approval_id, build_invocation_id, "
                    "rows_exported, csv_sha256, parquet_sha256, manifest_sha256, export_folder "
                    "from audit.exports where export_id = ?",
                    [shipped["export_id"]],
                ).fetchall()
            }
        manifest_sha256 = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        for entry in shipped["outputs"]:
            assert rows[entry["model"]] == (
                getpass.getuser(),
                socket.gethostname(),
                "Health Agencies",
                entry["approval"]["approval_id"],
                _build_invocation(built_borough),
                entry["rows"],
                hashlib.sha256((folder / entry["files"]["csv"]["path"]).read_bytes()).hexdigest(),
                hashlib.sha256((folder / entry["files"]["parquet"]["path"]).read_bytes()).hexdigest(),
                manifest_sha256,
                str(folder.resolve()),
            )


def test_an_export_that_cannot_be_recorded_writes_nothing(copy, capsys) -> None:
    with duckdb.connect(str(copy.warehouse)) as con:
        con.execute("create or replace table audit.exports (exported_at timestamptz)")
    message = _refused(copy, capsys, *POLICE)
    assert "could not record the export in audit.exports" in message and "nothing exported" in message


def test_the_build_records_what_it_built(built_borough: Workspace) -> None:
    results = json.loads((built_borough.target / "run_results.json").read_text())
    manifest = json.loads((built_borough.target / "manifest.json").read_text())
    built = {
        result["unique_id"]
        for result in results["results"]
        if result["status"] == "success"
        and result["unique_id"].split(".")[0] in ("model", "seed", "snapshot")
        and manifest["nodes"][result["unique_id"]]["config"]["materialized"] != "ephemeral"
    }
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        (invocation,) = con.execute(
            "select invocation_id, command, target_name, relations_built, manifest_sha256 = sha256(manifest), "
            "json_extract_string(manifest, '$.metadata.invocation_id') from audit.dbt_invocations"
        ).fetchall()
        relations = con.execute(
            "select unique_id, relation_name, invocation_id from audit.dbt_built_relations"
        ).fetchall()
    assert invocation == (
        results["metadata"]["invocation_id"],
        "build",
        "test",
        len(built),
        True,
        results["metadata"]["invocation_id"],
    )
    assert {unique_id for unique_id, _, _ in relations} == built
    assert (
        "model.insight_hub.share_ward_service_demand",
        "sharing.share_ward_service_demand",
        invocation[0],
    ) in relations
