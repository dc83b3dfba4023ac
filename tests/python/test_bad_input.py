"""Bad input is reported with file, line and column, and one bad file stops only itself.

Rules guarded (issue 13, item 1): a malformed CSV row is skipped and recorded
(file, line, column, reason), never its content; a row with an unusable value
(an unparseable event date, or an extract timestamp cut off by a truncated
last row) is quarantined with its reason and column while every good row is
kept. Every delivery is checked before it is read: a file wrong as a whole
(each fault of the issue's table) is set aside with one log line naming the
file, the line and the problem, listed in delivery_data_quality with its
status, and the rest of the build goes on with that extract's earlier
deliveries; no cell of a bad file reaches the log or the console. The build
fails only when a delivery's reject rate passes var max_delivery_reject_rate,
and then only that test fails. The privacy guard reads only the accepted
deliveries, past the bad files, and still catches a leak of an accepted one. One rule (delivery_sequence) decides which
delivery is current, for the spine and delivery_data_quality alike.

All faults (the two bad rows in the current housing delivery and every bad
file) land in one copy of the borough, built once and compared with the
borough built without them, to keep the suite's time.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace

from insight_hub import privacy_guard

COMMISSION = "IH-2026-001"
FAULT_PERIOD = "2026-11"


@dataclass(frozen=True)
class Fault:
    """A faulty delivery added as the next month's file of an extract, and what the check must say."""

    name: str
    service: str
    file_name: str
    line: int | None
    problem: str  # a regular expression the logged problem must match


FAULTS = [
    Fault("semicolon delimiter", "housing", "housing_register_2026-11_semicolon.csv", 1, r"separated by ';'"),
    Fault(
        "missing column", "housing", "housing_register_2026-11_missing_column.csv", 1, r"missing column\(s\) Surname$"
    ),
    Fault(
        "renamed column",
        "housing",
        "housing_register_2026-11_renamed_column.csv",
        1,
        r"missing column\(s\) Surname; unexpected column\(s\) Last Name",
    ),
    Fault("NUL bytes in the header", "housing", "housing_register_2026-11_nul_header.csv", 1, r"NUL byte"),
    Fault("unterminated quote", "housing", "housing_register_2026-11_open_quote.csv", 6, r"quote .* never closed"),
    Fault("5 MB field", "housing", "housing_register_2026-11_big_field.csv", 4, r"line longer than"),
    Fault("empty file", "housing", "housing_register_2026-11_empty.csv", 1, r"empty file"),
    Fault("header only", "housing", "housing_register_2026-11_header_only.csv", 2, r"header only"),
    Fault("Latin-1 text", "housing", "housing_register_2026-11_latin1.csv", None, r"not UTF-8"),
    Fault(
        "same file under a new name",
        "housing",
        "housing_register_2026-11_resent.csv",
        None,
        r"same content as delivery housing_register_2026-10\.csv",
    ),
    Fault("damaged Parquet", "adult_social_care", "asc_services_2026-11_truncated.parquet", None, r"Parquet"),
    Fault("not a workbook", "employment_skills", "participants_export_2026-11.xlsx", None, r"not an Excel workbook"),
]
TRUNCATED_FILE = "homelessness_hclic_2026-11_truncated.csv"
SHORT_ROWS_FILE = "asb_cases_2026-11_short_rows.csv"
REISSUED_FILE = "ctr_claim_members_2026-11_reissued.csv"
LATIN1_NAME = "Zoë Brontë"


@dataclass
class BrokenRun:
    workspace: Workspace
    register_file: Path
    malformed_row: int
    bad_date_row: int
    good_rows_before: int
    good_rows_after: int
    current_before: dict[str, int]
    current_after: dict[str, int]
    fault_output: str
    fault_returncode: int
    fault_results: list[dict]
    build_manifest: dict
    freshness_output: str
    freshness_results: list[dict]
    fault_cells: list[str]
    latin1_line: int
    truncated_row: int


def _count_current(warehouse: Path, service: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counted = con.execute(
            "select count(*) from intermediate.int_person_records__geocoded where starts_with(delivery_file, ? || '_')",
            [service],
        ).fetchone()
    assert counted is not None, "count(*) returns a row"
    return counted[0]


def _current_by_extract(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                "select regexp_replace(delivery_file, '(_[0-9]{4}-[0-9]{2}.*|[.][a-z]+)$', '') as extract, count(*) "
                "from intermediate.int_person_records__keyed group by all"
            ).fetchall()
        )


def _write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding, errors="replace"))


def _plant_faults(landing: Path, register_file: Path) -> tuple[list[str], int, int]:
    """Every fault of the issue as a new delivery; returns cells of the bad files (none may be logged),
    the line of the Latin-1 file's first non-ASCII byte, and the truncated file's last row."""
    housing = landing / COMMISSION / "housing"
    lines = register_file.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    plain = [row for row in rows if '"' not in row]
    columns = header.split(",")
    surname = columns.index("Surname")
    _write_lines(housing / FAULTS[0].file_name, [line.replace(",", ";") for line in [header, *plain]])
    _write_lines(
        housing / FAULTS[1].file_name,
        [",".join(cell for i, cell in enumerate(line.split(",")) if i != surname) for line in [header, *plain]],
    )
    _write_lines(housing / FAULTS[2].file_name, [header.replace("Surname", "Last Name"), *plain])
    _write_lines(housing / FAULTS[3].file_name, [header.replace("Surname", "Sur\x00name"), *plain])
    opened = [*plain]
    opened[4] = opened[4].replace(",", ',"', 1)  # line 6: a quote opened in the second field, never closed
    _write_lines(housing / FAULTS[4].file_name, [header, *opened])
    big = [*plain]
    cells = big[2].split(",")
    cells[surname] = "Q" * 5_000_000  # line 4: a 5 MB field
    big[2] = ",".join(cells)
    _write_lines(housing / FAULTS[5].file_name, [header, *big])
    (housing / FAULTS[6].file_name).write_bytes(b"")
    _write_lines(housing / FAULTS[7].file_name, [header])
    latin1 = [*plain]
    cells = latin1[1].split(",")
    cells[surname] = LATIN1_NAME
    latin1[1] = ",".join(cells)
    _write_lines(housing / FAULTS[8].file_name, [header, *latin1], encoding="latin-1")
    latin1_bytes = (housing / FAULTS[8].file_name).read_bytes()
    try:
        latin1_bytes.decode("utf-8")
        raise AssertionError("the Latin-1 delivery decodes as UTF-8")
    except UnicodeDecodeError as error:
        latin1_line = latin1_bytes[: error.start].count(b"\n") + 1
    shutil.copy2(register_file, housing / FAULTS[9].file_name)

    asc = sorted((landing / COMMISSION / "adult_social_care").glob("asc_services_*.parquet"))[-1]
    (landing / COMMISSION / "adult_social_care" / FAULTS[10].file_name).write_bytes(
        asc.read_bytes()[: asc.stat().st_size // 2]
    )

    (landing / COMMISSION / "employment_skills" / FAULTS[11].file_name).write_bytes(b"not a workbook\n")

    # a truncated last row: cut inside its extract timestamp, no line end
    hclic = (housing / "homelessness_hclic_2026-09.csv").read_text(encoding="utf-8").rstrip("\n")
    (housing / TRUNCATED_FILE).write_text(hclic[:-6], encoding="utf-8")
    truncated_row = hclic.count("\n")

    # more than var max_delivery_reject_rate of a delivery's rows cannot be parsed
    asb = (landing / COMMISSION / "community_safety" / "asb_cases_2026-09.csv").read_text(encoding="utf-8")
    asb_lines = asb.splitlines()
    short = [";".join(line.split(";")[:3]) for line in asb_lines[3:8]]
    _write_lines(landing / COMMISSION / "community_safety" / SHORT_ROWS_FILE, [*asb_lines[:3], *short])

    # a later delivery extracted earlier than the one before it: delivery order and extract dates disagree
    ctr = landing / COMMISSION / "revenues_benefits"
    reissued = (ctr / "ctr_claim_members_2026-10.csv").read_text(encoding="utf-8")
    assert reissued.count("01/11/2026") > 1
    (ctr / REISSUED_FILE).write_text(re.sub(r"01/11/2026$", "31/10/2026", reissued, flags=re.M), encoding="utf-8")

    fault_cells = [row.split(",")[0] for row in plain] + [row.split(",")[surname] for row in plain] + ["Q" * 64]
    return [cell for cell in fault_cells if len(cell) >= 4], latin1_line, truncated_row


@pytest.fixture(scope="module")
def broken(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> BrokenRun:
    workspace = Workspace(tmp_path_factory.mktemp("broken"), master_key=built_borough.master_key)
    shutil.copytree(built_borough.landing, workspace.landing)
    good_rows_before = _count_current(built_borough.warehouse, "housing_register")
    current_before = _current_by_extract(built_borough.warehouse)

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
    fault_cells, latin1_line, truncated_row = _plant_faults(workspace.landing, register_file)
    faulty = workspace.dbt("build", check=False)
    fault_results = json.loads((workspace.target / "run_results.json").read_text())["results"]
    # the build's manifest, as the nightly guard step reads it (source freshness below writes its own)
    build_manifest = json.loads((workspace.target / "manifest.json").read_text())
    freshness = workspace.dbt("source", "freshness", "--select", "source:housing.housing_register", check=False)
    return BrokenRun(
        workspace,
        register_file,
        malformed_row=len(lines) - 2,
        bad_date_row=len(lines) - 1,
        good_rows_before=good_rows_before,
        good_rows_after=_count_current(workspace.warehouse, "housing_register"),
        current_before=current_before,
        current_after=_current_by_extract(workspace.warehouse),
        fault_output=faulty.stdout + faulty.stderr,
        fault_returncode=faulty.returncode,
        fault_results=fault_results,
        build_manifest=build_manifest,
        freshness_output=freshness.stdout + freshness.stderr,
        freshness_results=json.loads((workspace.target / "sources.json").read_text())["results"],
        fault_cells=fault_cells,
        latin1_line=latin1_line,
        truncated_row=truncated_row,
    )


def _quarantined(run: BrokenRun, delivery_file: str) -> list[tuple]:
    with duckdb.connect(str(run.workspace.warehouse), read_only=True) as con:
        return con.execute(
            "select row_number, column_name, reason, failed_at from intermediate.int_delivery_rows__quarantined "
            "where delivery_file = ? order by row_number",
            [delivery_file],
        ).fetchall()


def _deliveries(run: BrokenRun) -> dict[str, dict]:
    with duckdb.connect(str(run.workspace.warehouse), read_only=True) as con:
        cursor = con.execute("select * from diagnostics.delivery_data_quality")
        names = [column[0] for column in cursor.description]
        return {row[names.index("delivery_file")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_malformed_row_is_recorded_by_file_line_and_reason(broken: BrokenRun) -> None:
    assert (broken.malformed_row, "field 20", "too_many_columns", "parsing") in _quarantined(
        broken, broken.register_file.name
    )


def test_unusable_value_is_quarantined_with_its_column(broken: BrokenRun) -> None:
    assert (broken.bad_date_row, "Application Date", "unparseable_event_date", "validation") in _quarantined(
        broken, broken.register_file.name
    )


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


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_a_bad_file_is_set_aside_with_one_clear_line(broken: BrokenRun, fault: Fault) -> None:
    logged = [
        line for line in broken.fault_output.splitlines() if "delivery set aside:" in line and fault.file_name in line
    ]
    assert len(logged) == 1, f"expected one line naming {fault.file_name}, got {logged}"
    line = fault.line if fault.line is not None else broken.latin1_line if "latin1" in fault.file_name else None
    where = f" line {line}: " if line is not None else ": "
    assert f"{fault.file_name}{where}" in logged[0]
    assert re.search(fault.problem, logged[0].split(where, 1)[1])

    recorded = _deliveries(broken)[fault.file_name]
    assert recorded["delivery_status"] == "set aside"
    assert recorded["problem_line_number"] == line
    assert re.search(fault.problem, recorded["delivery_problem"])
    assert recorded["freshness_status"] == "not loaded" and not recorded["is_latest_delivery"]
    assert recorded["current_record_count"] == 0


def test_the_earlier_delivery_stays_current(broken: BrokenRun) -> None:
    deliveries = _deliveries(broken)
    latest = {(d["service_code"], d["source_table"]): name for name, d in deliveries.items() if d["is_latest_delivery"]}
    assert latest["housing", "housing_register"] == broken.register_file.name
    assert latest["adult_social_care", "asc_services"] == "asc_services_2026-10.parquet"


def test_other_deliveries_are_processed(broken: BrokenRun) -> None:
    # extracts with no new delivery keep every current record; the accepted new ones are loaded
    changed = {"homelessness_hclic", "asb_cases", "ctr_claim_members"}
    assert {k: v for k, v in broken.current_after.items() if k not in changed} == {
        k: v for k, v in broken.current_before.items() if k not in changed
    }
    deliveries = _deliveries(broken)
    for name in (TRUNCATED_FILE, SHORT_ROWS_FILE, REISSUED_FILE):
        assert deliveries[name]["delivery_status"] == "accepted" and deliveries[name]["current_record_count"] > 0


def test_the_build_fails_only_on_the_reject_rate_limit(broken: BrokenRun) -> None:
    failed = sorted(r["unique_id"] for r in broken.fault_results if r["status"] in ("error", "fail", "skipped"))
    assert broken.fault_returncode == 1
    assert failed == ["test.insight_hub.assert_delivery_reject_rate_within_limit"], failed
    assert _deliveries(broken)[SHORT_ROWS_FILE]["quarantined_row_rate"] > 0.5


def test_a_truncated_last_row_is_quarantined_not_loaded(broken: BrokenRun) -> None:
    assert _quarantined(broken, TRUNCATED_FILE) == [
        (broken.truncated_row, "extract_timestamp", "unparseable_extracted_at", "validation")
    ]
    with duckdb.connect(str(broken.workspace.warehouse), read_only=True) as con:
        nulls = con.execute(
            "select count(*) from intermediate.int_person_records__keyed where extracted_at is null"
        ).fetchone()
    assert nulls == (0,)


def test_spine_and_data_quality_agree_on_the_current_delivery(broken: BrokenRun) -> None:
    # planted: the reissued file comes later in delivery order but was extracted before the 2026-10 file
    deliveries = _deliveries(broken)
    assert deliveries[REISSUED_FILE]["extracted_at"] < deliveries["ctr_claim_members_2026-10.csv"]["extracted_at"]
    with duckdb.connect(str(broken.workspace.warehouse), read_only=True) as con:
        spine = {
            file
            for (file,) in con.execute(
                "select distinct delivery_file from intermediate.int_person_records__keyed "
                "where delivery_file like 'ctr_claim_members_2026-1%'"
            ).fetchall()
        }
    latest = [
        name for name, d in deliveries.items() if d["source_table"] == "ctr_claim_members" and d["is_latest_delivery"]
    ]
    assert latest == [REISSUED_FILE]
    assert spine == {REISSUED_FILE}


def test_source_freshness_reads_only_accepted_deliveries(broken: BrokenRun) -> None:
    # macro duckdb__collect_freshness: the 5 MB field and the Latin-1 file would otherwise break the read
    assert [r["status"] for r in broken.freshness_results] != ["runtime error"], broken.freshness_output[-2000:]
    assert len(broken.freshness_results) == 1 and broken.freshness_results[0]["max_loaded_at"]


def test_no_cell_of_a_bad_file_reaches_the_log_or_console(broken: BrokenRun) -> None:
    log = (broken.workspace.logs / "dbt.log").read_text(encoding="utf-8", errors="replace")
    for text in (log, broken.fault_output, broken.freshness_output):
        assert "Original Line" not in text
        leaked = [cell for cell in broken.fault_cells if cell in text]
        assert not leaked, f"{len(leaked)} cells of a bad file in the log or console"
        assert "Bront" not in text


def test_the_privacy_guard_reads_past_the_bad_files_and_still_catches_a_leak(
    broken: BrokenRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the guard reads only the deliveries the pre-load check accepted (a bad file would stop it), so
    # attack it there: a resident's surname from the current, accepted housing delivery stored in a mart
    # of a warehouse built beside every bad file must still be reported, and nothing else
    lines = broken.register_file.read_text(encoding="utf-8").splitlines()
    surname = lines[0].split(",").index("Surname")
    surnames = [line.split(",")[surname] for line in lines[1:] if '"' not in line]
    planted = min((s for s in surnames if len(s) >= 5 and s.isalpha()), key=lambda s: (surnames.count(s), s))
    leaky = tmp_path / "insight_hub.duckdb"
    shutil.copy(broken.workspace.warehouse, leaky)
    with duckdb.connect(str(leaky)) as con:
        con.execute(f"create table marts.planted_leak as select '{planted}' as area").fetchall()
    assert broken.workspace.master_key is not None
    monkeypatch.setenv("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", broken.workspace.master_key)
    monkeypatch.setenv("INSIGHT_HUB_TARGET", "test")
    values, leaks = privacy_guard.check(leaky, broken.build_manifest)
    assert values > 1_000, "the guard found too few identifier values to mean anything"
    assert leaks and all("marts.planted_leak" in leak for leak in leaks), leaks
