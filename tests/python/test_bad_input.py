"""Bad input is reported with file, row and column, and loses nothing else.

Rules guarded: a malformed CSV row is skipped and recorded (file, line,
column, reason), never its content; a row with an unusable value is
quarantined with its reason and column while every good row is kept; a
corrupt file fails the build with a message naming it, and the marts of the
last good build stay readable and unchanged.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace

COMMISSION = "IH-2026-001"


@dataclass
class BrokenRun:
    workspace: Workspace
    register_file: Path
    malformed_row: int
    bad_date_row: int
    good_rows_before: int
    good_rows_after: int
    mart_before: list[tuple]
    mart_after_failure: list[tuple]
    failure_output: str
    corrupt_file: Path


def _count_current(warehouse: Path, service: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counted = con.execute(
            "select count(*) from intermediate.int_person_records__geocoded where starts_with(delivery_file, ? || '_')",
            [service],
        ).fetchone()
    assert counted is not None, "count(*) returns a row"
    return counted[0]


def _mart(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from marts.ward_service_demand order by all").fetchall()


@pytest.fixture(scope="module")
def broken(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> BrokenRun:
    workspace = Workspace(tmp_path_factory.mktemp("broken"), master_key=built_borough.master_key)
    shutil.copytree(built_borough.landing, workspace.landing)
    good_rows_before = _count_current(built_borough.warehouse, "housing_register")

    register_file = sorted((workspace.landing / COMMISSION / "housing").glob("housing_register_*.csv"))[-1]
    lines = register_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    date_column = header.index("Application Date")
    # a new row with one field too many, and a new row whose event date is not a date
    template = next(line.split(",") for line in lines[1:] if line.count('"') == 0)
    too_long = ",".join(["HRA9999998", *template[1:], "EXTRA"])
    bad_date = ["HRA9999999", *template[1:]]
    bad_date[date_column] = "31/13/2026"
    lines += [too_long, ",".join(bad_date)]
    register_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace.dbt("build")
    good_rows_after = _count_current(workspace.warehouse, "housing_register")
    mart_before = _mart(workspace.warehouse)

    corrupt_file = sorted((workspace.landing / COMMISSION / "adult_social_care").glob("*.parquet"))[-1]
    corrupt_file.write_bytes(corrupt_file.read_bytes()[: corrupt_file.stat().st_size // 2])
    failed = workspace.dbt("build", check=False)
    assert failed.returncode != 0, "a corrupt delivery must fail the build"
    return BrokenRun(
        workspace,
        register_file,
        malformed_row=len(lines) - 2,
        bad_date_row=len(lines) - 1,
        good_rows_before=good_rows_before,
        good_rows_after=good_rows_after,
        mart_before=mart_before,
        mart_after_failure=_mart(workspace.warehouse),
        failure_output=failed.stdout + failed.stderr,
        corrupt_file=corrupt_file,
    )


def _quarantined(run: BrokenRun) -> list[tuple]:
    with duckdb.connect(str(run.workspace.warehouse), read_only=True) as con:
        return con.execute(
            "select row_number, column_name, reason, failed_at from intermediate.int_delivery_rows__quarantined "
            "where delivery_file = ? order by row_number",
            [run.register_file.name],
        ).fetchall()


def test_malformed_row_is_recorded_by_file_line_and_reason(broken: BrokenRun) -> None:
    assert (broken.malformed_row, "field 20", "too_many_columns", "parsing") in _quarantined(broken)


def test_unusable_value_is_quarantined_with_its_column(broken: BrokenRun) -> None:
    assert (broken.bad_date_row, "Application Date", "unparseable_event_date", "validation") in _quarantined(broken)


def test_every_good_row_is_kept(broken: BrokenRun) -> None:
    assert broken.good_rows_after == broken.good_rows_before


def test_quarantine_holds_no_row_content(broken: BrokenRun) -> None:
    with duckdb.connect(str(broken.workspace.warehouse), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = 'int_delivery_rows__quarantined'"
            ).fetchall()
        ]
    assert columns == [
        "commission_id",
        "service_code",
        "source_table",
        "delivery_file",
        "row_number",
        "column_name",
        "reason",
        "failed_at",
    ]


def test_corrupt_file_fails_the_build_naming_it(broken: BrokenRun) -> None:
    assert broken.corrupt_file.name in broken.failure_output


def test_last_good_marts_stay_readable(broken: BrokenRun) -> None:
    assert broken.mart_before and broken.mart_after_failure == broken.mart_before
