"""The export command, on the built borough: what it writes, and every refusal.

Rules guarded (insight_hub/export.py):
- an approved (recipient, commission) pair gets each approved sharing output
  as CSV and Parquet in exports/<recipient>/<commission>/, with a manifest
  naming the source models and their lineage, the build and export times,
  the disclosure rules applied and the approval reference; the files hold
  only that recipient's rows, and no count between 1 and the threshold;
- it refuses, with a one-line reason and a non-zero exit: a recipient not in
  the published privacy notice, a commission not in the register, an
  unapproved or out-of-date (recipient, commission, output), a model that is
  not an aggregate, a model that is not a sharing output, an output built
  from commercially licensed data the recipient is not cleared for, and an
  approval newer than the build (no rows to export).
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from insight_hub import export
from insight_hub.tests.dbt_project import PROJECT_ROOT, Workspace

COMMISSION = "IH-2026-001"
REGISTERS = PROJECT_ROOT / "seeds" / "governance"
AS_OF = "2026-11-25"


def _run(built_borough: Workspace, exports_dir: Path, *args: str, registers: Path = REGISTERS,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = export.main([*args, "--warehouse", str(built_borough.warehouse), "--target", str(built_borough.target),
                          "--registers", str(registers), "--exports-dir", str(exports_dir), "--as-of", AS_OF])
    return status, capsys.readouterr().err


def _refused(built_borough: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str,
             registers: Path = REGISTERS) -> str:
    status, err = _run(built_borough, tmp_path / "exports", *args, registers=registers, capsys=capsys)
    assert status == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("export refused: "), err
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").rglob("*.csv")), "a refused export wrote files"
    return lines[0]


def _registers_with(tmp_path: Path, approval: str) -> Path:
    folder = tmp_path / "registers"
    shutil.copytree(REGISTERS, folder)
    with (folder / "sharing_approvals.csv").open("a") as register:
        register.write(approval + "\n")
    return folder


@pytest.fixture(scope="module")
def health_export(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    exports_dir = tmp_path_factory.mktemp("exports")
    completed = subprocess.run(
        [sys.executable, "-m", "insight_hub.export", "--recipient", "Health Agencies", "--commission", COMMISSION,
         "--warehouse", str(built_borough.warehouse), "--target", str(built_borough.target),
         "--exports-dir", str(exports_dir), "--as-of", AS_OF],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    folder = Path(completed.stdout.strip())
    assert folder == exports_dir / "health-agencies" / COMMISSION
    return folder


def test_export_writes_csv_parquet_and_manifest(health_export: Path, built_borough: Workspace) -> None:
    manifest = json.loads((health_export / "manifest.json").read_text())
    assert manifest["recipient_type"] == "Health Agencies" and manifest["commission_id"] == COMMISSION
    assert manifest["exported_at"] and manifest["dbt"]["invocation_id"]
    models = {entry["model"]: entry for entry in manifest["outputs"]}
    assert set(models) == {"share_borough_service_demand", "share_ward_service_demand", "share_lsoa_service_demand"}
    ward = models["share_ward_service_demand"]
    assert ward["approval"]["approval_id"] == "SA-2026-002"
    assert ward["rules_applied"][0]["suppress_up_to"] == 7 and ward["rules_applied"][0]["rounding_base"] == 5
    assert ward["rules_applied"][0]["disclosure_rule_id"] == "DR-DEFAULT"
    assert "ward_service_demand" in ward["lineage"]["models"] and "int_person_records__keyed" in ward["lineage"]["models"]
    assert "housing.housing_register" in ward["lineage"]["sources"]
    assert ward["built_at"]
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        (expected,) = con.execute("select count(*) from marts.share_ward_service_demand "
                                  "where recipient_type = 'Health Agencies' and commission_id = ?", [COMMISSION]).fetchone()
        for entry in models.values():
            for kind in ("csv", "parquet"):
                path = health_export / entry["files"][kind]["path"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["files"][kind]["sha256"]
            csv_rows = list(csv.DictReader((health_export / entry["files"]["csv"]["path"]).open()))
            (parquet_rows,) = con.execute(
                f"select count(*) from read_parquet('{health_export / entry['files']['parquet']['path']}')").fetchone()
            assert len(csv_rows) == parquet_rows == entry["rows"]
    assert models["share_ward_service_demand"]["rows"] == expected


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


def test_licensed_output_goes_to_a_cleared_recipient(built_borough: Workspace, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    status, err = _run(built_borough, tmp_path, "--recipient", "Council services (all)", "--commission", COMMISSION,
                       capsys=capsys)
    assert status == 0, err
    manifest = json.loads((tmp_path / "council-services-all" / COMMISSION / "manifest.json").read_text())
    (entry,) = manifest["outputs"]
    assert entry["source_licences"]["demograph.household_segments_postcode"] == "commercial"


def test_refuses_a_recipient_not_in_the_privacy_notice(built_borough, tmp_path, capsys) -> None:
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Data brokers", "--commission", COMMISSION)
    assert "not in the published privacy notice" in message


def test_refuses_a_commission_not_in_the_register(built_borough, tmp_path, capsys) -> None:
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Police", "--commission", "IH-1999-999")
    assert "not in the commissions register" in message


def test_refuses_an_unapproved_pair(built_borough, tmp_path, capsys) -> None:
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Police", "--commission", COMMISSION,
                       "--output", "ward_service_demand")
    assert "no sharing approval for recipient 'Police'" in message
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Ofsted", "--commission", COMMISSION)
    assert "no in-date sharing approval" in message


def test_refuses_an_approval_out_of_date(built_borough, tmp_path, capsys) -> None:
    status, err = _run(built_borough, tmp_path, "--recipient", "Police", "--commission", COMMISSION,
                       "--output", "ward_community_safety_demand", capsys=capsys)
    assert status == 0, err
    status = export.main(["--recipient", "Police", "--commission", COMMISSION, "--output", "ward_community_safety_demand",
                          "--warehouse", str(built_borough.warehouse), "--target", str(built_borough.target),
                          "--exports-dir", str(tmp_path / "later"), "--as-of", "2027-06-01"])
    err = capsys.readouterr().err
    assert status == 2 and "SA-2026-005" in err and "is not in date on 2027-06-01" in err


def test_refuses_a_model_that_is_not_an_aggregate(built_borough, tmp_path, capsys) -> None:
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Police", "--commission", COMMISSION,
                       "--output", "int_person_records__keyed")
    assert "is not an aggregate" in message


def test_refuses_a_model_that_is_not_a_sharing_output(built_borough, tmp_path, capsys) -> None:
    for model in ("delivery_data_quality", "dim_ward"):
        message = _refused(built_borough, tmp_path, capsys, "--recipient", "Police", "--commission", COMMISSION,
                           "--output", model)
        assert "is not a sharing model" in message


def test_refuses_commercially_licensed_data_not_cleared_for_the_recipient(built_borough, tmp_path, capsys) -> None:
    registers = _registers_with(tmp_path, f"SA-TEST-9,Voluntary Agencies /Third Sector,{COMMISSION},"
                                          "segment_multiple_needs,Data Protection Officer,2026-10-01,2027-03-31")
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Voluntary Agencies /Third Sector",
                       "--commission", COMMISSION, "--output", "segment_multiple_needs", registers=registers)
    assert "commercially licensed demograph.household_segments_postcode" in message
    assert "not cleared for 'Voluntary Agencies /Third Sector'" in message


def test_refuses_an_approval_the_build_has_not_seen(built_borough, tmp_path, capsys) -> None:
    registers = _registers_with(tmp_path, f"SA-TEST-8,Police,{COMMISSION},ward_multiple_needs,"
                                          "Data Protection Officer,2026-10-01,2027-03-31")
    message = _refused(built_borough, tmp_path, capsys, "--recipient", "Police", "--commission", COMMISSION,
                       "--output", "ward_multiple_needs", registers=registers)
    assert "has no rows for 'Police'" in message and "dbt build" in message
