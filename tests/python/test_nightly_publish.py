"""The scheduled night and the file dashboards read, on copies of the built borough (no extra full build).

Rules guarded (issue 13 items 4 and 5, insight_hub/publish.py, insight_hub/nightly.py):
- dashboards read only the published files, which hold only the models their exposures read, each row
  carrying the build id (dbt invocation id) and build time it came from, no person-level key or token,
  and for services only the council's own disclosure-controlled rows;
- a failed audit (a count breaking its disclosure rule, rows out of bounds against the last file)
  publishes nothing and leaves the previous file as it was;
- a reader querying the published file throughout a build that fails halfway never errors and always
  sees one build; the failed build publishes nothing, not even when publish is run again by hand;
- two nights never overlap: a second run exits at once with status 3 (or waits with --wait);
- every step writes one JSON line (step, start, end, outcome, rows, exit status) to the run log;
- a step that fails or breaks gives the night its own exit status (10-16), and nothing after it runs,
  a stale source aside;
- a build killed at a random point and run again gives the marts and shares of an uninterrupted
  build, and its history tables keep no row of the killed build (macro forget_unfinished_builds).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace, copy_project

from insight_hub import nightly, publish

# a reader, as a dashboard reads: a short read-only connection per query, until told to stop
READER = """
import json, sys, time, duckdb
path, stop, out = sys.argv[1:4]
seen, errors, queries = set(), [], 0
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True) as con:
            (build,) = con.execute("select build_id from main.published_build").fetchone()
            ids = {r[0] for r in con.execute("select distinct build_id from sharing.share_ward_service_demand").fetchall()}
            if ids != {build}:
                errors.append(f"mixed builds {ids} under {build}")
            seen.add(build)
            queries += 1
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    time.sleep(0.05)
json.dump({"seen": sorted(seen), "errors": errors[:5], "queries": queries}, open(out, "w"))
"""


def _night(workspace: Workspace, *args: str, wait: bool = True) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "insight_hub.nightly",
        "--project-dir",
        str(workspace.project),
        "--log-dir",
        str(workspace.logs),
        "--published-dir",
        str(workspace.root / "published"),
        "--exports-dir",
        str(workspace.root / "exports"),
        *args,
    ]
    process = subprocess.Popen(
        command, cwd=workspace.root, env=workspace.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if wait:
        process.wait(timeout=900)
    return process


def _log(workspace: Workspace) -> list[dict]:
    return [json.loads(line) for line in (workspace.logs / "nightly.jsonl").read_text().splitlines()]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_build(workspace: Workspace) -> str:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        row = con.execute(
            "select invocation_id from audit.dbt_invocations where relations_built > 0 order by recorded_at desc limit 1"
        ).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture(scope="module")
def published(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the built borough after a night's purge (nothing has expired), exports and publish."""
    workspace = built_borough.copy(tmp_path_factory.mktemp("night"))
    process = _night(workspace, "--steps", "purge,export,publish")
    assert process.returncode == nightly.EXIT_OK, process.stdout.read() if process.stdout else ""
    return workspace


def test_published_file_holds_what_dashboards_read_from_one_build(published: Workspace) -> None:
    build_id = _last_build(published)
    folder = published.root / "published"
    assert sorted(p.name for p in folder.iterdir()) == ["hub_analysts.duckdb", "services.duckdb"]
    with duckdb.connect(str(folder / "services.duckdb"), read_only=True) as con:
        assert con.execute("select build_id, audience from main.published_build").fetchall() == [(build_id, "services")]
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema <> 'main'"
        ).fetchall()
        names = {name for _, name in tables}
        assert names and all(n.startswith(("share_", "dim_")) for n in names), names
        assert {"share_ward_service_demand", "dim_ward"} <= names
        for schema, name in tables:
            ids = con.execute(f'select distinct build_id from "{schema}"."{name}"').fetchall()
            assert ids == [(build_id,)], f"{schema}.{name} carries builds {ids}"
            stamped = con.execute(f'select count(*) from "{schema}"."{name}" where built_at is null').fetchone()
            assert stamped == (0,), f"{schema}.{name} has rows without built_at"
        columns = [c for (c,) in con.execute("select column_name from information_schema.columns").fetchall()]
        assert not [c for c in columns if c.endswith(("_token", "_key"))], "a person-level key was published"
        recipients = con.execute("select distinct recipient_type from sharing.share_ward_service_demand").fetchall()
        assert recipients == [(publish.COUNCIL_RECIPIENT,)]
    lines = _log(published)
    assert [(line["step"], line["outcome"]) for line in lines] == [
        ("run", "started"),
        ("purge", "ok"),
        ("export", "ok"),
        ("publish", "ok"),
        ("run", "ok"),
    ]
    purge, export = lines[1], lines[2]
    assert purge["rows"] == 0 and purge["detail"]["applied"], "a normal night's purge removes nothing"
    assert export["detail"]["files"] > 0 and any((published.root / "exports").iterdir())
    step = next(line for line in lines if line["step"] == "publish")
    assert step["outcome"] == "ok" and step["exit_code"] == 0 and step["rows"] > 0
    assert step["start"] <= step["end"] and step["detail"]["build_id"] == build_id
    assert lines[-1] == {**lines[-1], "step": "run", "outcome": "ok", "exit_code": 0}


def test_failed_audit_publishes_nothing_and_keeps_the_previous_file(published: Workspace) -> None:
    # runs after test_published_file_holds_what_dashboards_read_from_one_build: it plants a breach
    services = published.root / "published" / "services.duckdb"
    before = _sha(services)
    # rows out of the configured bounds against the file published before
    process = _night(published, "--steps", "publish", "--min-ratio", "1.5")
    assert process.returncode == nightly.EXIT_CODES["publish"]
    assert _sha(services) == before
    # a count that breaks its disclosure rule (planted in the warehouse after the build)
    with duckdb.connect(str(published.warehouse)) as con:
        con.execute(
            "update sharing.share_ward_service_demand set people_known_count = 3 "
            "where rowid = (select min(rowid) from sharing.share_ward_service_demand "
            f"where recipient_type = '{publish.COUNCIL_RECIPIENT}')"
        )
    process = _night(published, "--steps", "publish")
    assert process.returncode == nightly.EXIT_CODES["publish"]
    assert _sha(services) == before
    assert sorted(p.name for p in services.parent.iterdir()) == ["hub_analysts.duckdb", "services.duckdb"]
    # the fixture's night first, then these two
    failed = [line for line in _log(published) if line["step"] == "publish" and line["outcome"] == "failed"]
    assert len(failed) == 2
    assert "outside 1.5-2.0" in failed[0]["reason"]
    assert "people_known_count breaks the disclosure rule" in failed[1]["reason"]


def test_reader_sees_one_build_while_a_build_fails_halfway_and_nights_never_overlap(
    built_borough: Workspace, tmp_path: Path
) -> None:
    # a project whose build fails halfway: a planted test on the household spine fails, so every model
    # downstream of it (the household marts and their shares) is skipped
    project = copy_project(tmp_path / "project")
    (project / "tests/dbt/planted_failure.sql").write_text(
        "-- planted by test_nightly_publish: fails the build halfway\nselect 1 as planted from "
        "{{ ref('int_households__located') }} limit 1\n"
    )
    workspace = built_borough.copy(tmp_path / "night", project=project)
    first = _night(workspace, "--steps", "publish")
    assert first.returncode == nightly.EXIT_OK
    services = workspace.root / "published" / "services.duckdb"
    before, build_id = _sha(services), _last_build(workspace)

    stop, result = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(services), str(stop), str(result)])
    started = time.monotonic()
    failing = _night(
        workspace, "--steps", "build,guard,publish", "--build-select", "int_households__located+", wait=False
    )
    # the lock file keeps the pid of the night that last held it (the first one): wait for the failing
    # night's own pid, or the second night could take the lock before the failing one does
    lock = workspace.logs / "nightly.lock"
    while not (lock.is_file() and lock.read_text().strip() == str(failing.pid)) and failing.poll() is None:
        time.sleep(0.1)
    second = _night(workspace, "--steps", "publish")
    waiting = _night(workspace, "--steps", "publish", "--wait", wait=False)
    failing.wait(timeout=900)
    waiting.wait(timeout=900)
    build_seconds = time.monotonic() - started
    stop.touch()
    reader.wait(timeout=60)
    read = json.loads(result.read_text())

    assert second.returncode == nightly.EXIT_LOCKED, "a second night started while one was running"
    assert failing.returncode == nightly.EXIT_CODES["build"], failing.stdout.read() if failing.stdout else ""
    # the run that waited for the lock ran after the failed build: the warehouse's last build is the
    # failed one, which did not build what dashboards read, so publish refuses
    assert waiting.returncode == nightly.EXIT_CODES["publish"]
    assert read["errors"] == [] and read["seen"] == [build_id], read
    assert read["queries"] >= 10, f"the reader ran {read['queries']} queries in {build_seconds:.0f} s"
    assert _sha(services) == before
    lines = _log(workspace)
    assert [(line["step"], line["outcome"]) for line in lines if line["outcome"] in ("locked", "skipped")] == [
        ("run", "locked"),
        ("guard", "skipped"),
        ("publish", "skipped"),
    ]
    build = next(line for line in lines if line["step"] == "build")
    assert build["outcome"] == "failed" and build["exit_code"] == nightly.EXIT_CODES["build"]
    assert build["detail"] is None and "dbt build failed" in build["reason"]
    assert all(set(nightly.RUN_LOG_FIELDS) <= set(line) for line in lines)
    assert not os.path.exists(workspace.root / "published" / f".services.duckdb.{failing.pid}.new")


@pytest.mark.parametrize("failing", nightly.STEPS)
@pytest.mark.parametrize("how", ["fails", "breaks"])
def test_a_failing_step_gives_its_exit_code_and_stops_the_night(
    failing: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each step's own failure detection is exercised on the borough above; this is what the runner
    # makes of a failure: the step's exit code, nothing after it run (a stale source aside), all logged
    ran: list[str] = []

    def step(name: str) -> Callable[[nightly.Night], dict]:
        """A stand-in for nightly.STEP_FUNCTIONS[name]."""

        def run(_night: nightly.Night) -> dict:
            ran.append(name)
            if name == failing:
                if how == "fails":
                    raise nightly.StepFailed(f"{name} did not pass")
                raise RuntimeError(f"{name} broke")
            return {"rows": 1}

        return run

    monkeypatch.setattr(nightly, "STEP_FUNCTIONS", {name: step(name) for name in nightly.STEPS})
    night = nightly.Night(
        project_dir=tmp_path,
        warehouse=tmp_path / "insight_hub.duckdb",
        target_path=tmp_path,
        log_dir=tmp_path,
        exports_dir=tmp_path,
        published_dir=tmp_path,
    )
    run_log = tmp_path / "nightly.jsonl"
    with open(os.devnull, "w") as quiet:
        status = nightly.run_night(night, list(nightly.STEPS), run_log, nightly.Progress(quiet, len(nightly.STEPS)))

    assert status == nightly.EXIT_CODES[failing]
    after = nightly.STEPS[nightly.STEPS.index(failing) + 1 :]
    lines = [json.loads(line) for line in run_log.read_text().splitlines()]
    outcomes = {line["step"]: line["outcome"] for line in lines if line["step"] != "run"}
    if failing == "freshness":  # reported, and the night goes on
        assert ran == list(nightly.STEPS)
        assert outcomes["freshness"] == ("stale" if how == "fails" else "failed")
        assert all(outcomes[name] == "ok" for name in after)
    else:
        assert ran == list(nightly.STEPS[: nightly.STEPS.index(failing) + 1])
        assert outcomes[failing] == "failed" and all(outcomes[name] == "skipped" for name in after)
    assert lines[-1]["step"] == "run" and lines[-1]["exit_code"] == status
    reason = next(line["reason"] for line in lines if line["step"] == failing)
    assert reason.endswith(f"{failing} did not pass" if how == "fails" else f"RuntimeError: {failing} broke")


def _tables(warehouse: Path, schemas: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every table of the schemas, its rows sorted, without the columns that say when it was built."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) and table_type = 'BASE TABLE' order by all",
            [list(schemas)],
        ).fetchall()
        tables = {}
        for schema, name in names:
            columns = [
                column
                for column, data_type in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if not data_type.startswith("TIMESTAMP") and column not in ("invocation_id", "build_id")
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            tables[f"{schema}.{name}"] = con.execute(
                f'select {selected} from "{schema}"."{name}" order by all'
            ).fetchall()
    return tables


def test_a_build_killed_at_a_random_point_then_rerun_equals_an_uninterrupted_build(
    built_borough: Workspace, tmp_path: Path
) -> None:
    # kill -9 while a randomly chosen model of `dbt run` is running, rerun, and compare with the
    # uninterrupted build of the same deliveries: every mart and share alike, and the history tables
    # holding no row of the build that never finished
    workspace = built_borough.copy(tmp_path)
    seed = int.from_bytes(os.urandom(4), "big")
    chooser = random.Random(seed)
    run = subprocess.Popen(
        [str(Path(sys.executable).parent / "dbt"), "run"],
        cwd=workspace.project,
        env=workspace.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert run.stdout is not None
    kill_at = chooser.randrange(1, 60)  # the run builds about 70 models; the last ones take a second each
    started = 0
    for line in run.stdout:
        if " START " in line:
            started += 1
            if started == kill_at:
                time.sleep(chooser.uniform(0, 1.5))
                os.killpg(run.pid, signal.SIGKILL)
                break
    run.wait(timeout=600)
    where = f"(killed at the start of model {kill_at} plus up to 1.5 s; random seed {seed})"
    assert run.returncode == -signal.SIGKILL, f"the run ended before it was killed {where}"

    # and, whatever the kill hit, the rows a build appends to the histories and never finishes
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute(
            "insert into intermediate.int_linkage__match_rate_history "
            "select * replace ('a-killed-build' as invocation_id) from intermediate.int_linkage__match_rate_history"
        )
        con.execute(
            "insert into intermediate.int_person_keys__changes values "
            "(now(), 'a-killed-build', 'IH-2026-001', 'a-previous-key', 'a-key', 'split', 1)"
        )
    workspace.dbt("run")
    rerun = _tables(workspace.warehouse, ("marts", "sharing"))
    assert rerun == _tables(built_borough.warehouse, ("marts", "sharing")), f"marts differ {where}"
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        finished = {i for (i,) in con.execute("select invocation_id from audit.dbt_invocations").fetchall()}
        for history in ("int_linkage__match_rate_history", "int_person_keys__changes"):
            builds = {
                i for (i,) in con.execute(f"select distinct invocation_id from intermediate.{history}").fetchall()
            }
            assert builds <= finished, f"{history} keeps rows of the killed build {where}"
        per_build = con.execute(
            "select count(*) from intermediate.int_linkage__match_rate_history group by invocation_id"
        ).fetchall()
    assert len(per_build) == 2 and per_build[0] == per_build[1], f"{per_build} {where}"
