"""The scheduler's one entry point: the whole night, in order, under a lock.

    python -m insight_hub.nightly [--steps freshness,build,...] [--wait] [--purge-dry-run]
        [--lock-file logs/nightly.lock] [--run-log logs/nightly.jsonl] [--published-dir published]

Steps, in this order (--steps runs a subset, still in this order):

    freshness  dbt source freshness (a stale source is reported, exit 10 at the end, the night goes on)
    build      dbt build: seeds, models, snapshots and every test
    guard      the governance check of the catalogue and the privacy guard
    purge      retention: dbt run-operation purge_expired, applied (--purge-dry-run to only report)
    export     the sharing exports, for every recipient and commission with an in-date approval
    publish    write, audit and atomically publish the files dashboards read (insight_hub.publish)
    docs       the record of processing and dbt docs generate

The first step that fails stops the night (freshness aside): nothing after a
failed build or guard is purged, exported or published, so dashboards keep
the last good published file.

A lock (flock on --lock-file) keeps two runs from overlapping: a second run
exits at once with status 3, or with --wait waits for the first to finish.
Every step appends one JSON line to --run-log (run id, step, start, end,
seconds, outcome ok/failed/stale/skipped, rows where known, exit status) and
the run one more (step "run"); no row of data is ever written there. Each
step's own output goes to logs/nightly/<step>.log. Run by hand (a terminal),
it shows each step with a running clock.

Exit status (what a scheduler acts on):

    0   every step passed
    1   an unexpected error in the runner itself
    2   bad arguments
    3   another nightly run holds the lock (nothing done; try later or --wait)
    10  sources stale (every other step passed)
    11  dbt build failed (tests included): nothing published
    12  governance check or privacy guard failed: nothing published
    13  retention purge failed
    14  a sharing export failed or was refused
    15  publish refused or its audit failed: the previous published file stays
    16  docs failed (everything else done)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from insight_hub import export, publish
from insight_hub.governance import manifest as m
from insight_hub.governance import registers
from insight_hub.summary import default_warehouse

PROJECT_ROOT = m.PROJECT_ROOT
STEPS = ("freshness", "build", "guard", "purge", "export", "publish", "docs")
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_CODES = {
    "freshness": 10,
    "build": 11,
    "guard": 12,
    "purge": 13,
    "export": 14,
    "publish": 15,
    "docs": 16,
}


class StepFailed(Exception):
    """A step that did not pass; the message is its one-line reason."""


@dataclass
class Night:
    """One run's settings and where its output goes."""

    project_dir: Path
    warehouse: Path
    target_path: Path
    log_dir: Path
    exports_dir: Path
    published_dir: Path
    purge_apply: bool = True
    build_select: str | None = None
    publish_args: dict[str, Any] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def step_log(self, step: str) -> Path:
        return self.log_dir / "nightly" / f"{step}.log"

    def run(self, step: str, command: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a command in the project folder, its output to the step's log."""
        log = self.step_log(step)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            out.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} run {self.run_id}: {' '.join(command)}\n")
            out.flush()
            return subprocess.run(
                command, cwd=self.project_dir, stdout=out, stderr=subprocess.STDOUT, text=True, check=False
            )

    def dbt(self, step: str, *args: str) -> int:
        return self.run(step, [str(Path(sys.executable).parent / "dbt"), *args]).returncode

    def python(self, step: str, module: str, *args: str) -> int:
        return self.run(step, [sys.executable, "-m", module, *args]).returncode


def _run_results(night: Night) -> dict[str, int]:
    path = night.target_path / "run_results.json"
    if not path.is_file():
        return {}
    counts: dict[str, int] = {}
    for result in json.loads(path.read_text())["results"]:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


def step_freshness(night: Night) -> dict[str, Any]:
    if night.dbt("freshness", "source", "freshness") != 0:
        raise StepFailed(f"a source is stale or its freshness could not be checked (see {night.step_log('freshness')})")
    return {}


def step_build(night: Night) -> dict[str, Any]:
    status = night.dbt("build", "build", *(("--select", night.build_select) if night.build_select else ()))
    counts = _run_results(night)
    if status != 0:
        raise StepFailed(f"dbt build failed: {counts} (see {night.step_log('build')})")
    path = night.target_path / "run_results.json"
    (night.target_path / "build_run_results.json").write_bytes(path.read_bytes())
    return {"nodes": counts}


def step_guard(night: Night) -> dict[str, Any]:
    where = ("--warehouse", str(night.warehouse), "--target-path", str(night.target_path))
    if night.python("guard", "insight_hub.governance", *where) != 0:
        raise StepFailed(f"the governance check failed (see {night.step_log('guard')})")
    if night.python("guard", "insight_hub.privacy_guard", *where) != 0:
        raise StepFailed(f"the privacy guard found a leak (see {night.step_log('guard')})")
    return {}


def step_purge(night: Night) -> dict[str, Any]:
    args = "{apply: true}" if night.purge_apply else "{apply: false}"
    started = dt.datetime.now(dt.UTC)
    if night.dbt("purge", "run-operation", "purge_expired", "--args", args) != 0:
        raise StepFailed(f"the retention purge failed (see {night.step_log('purge')})")
    with duckdb.connect(str(night.warehouse), read_only=True) as con:
        removed = con.execute(
            "select coalesce(sum(rows_removed), 0), count(distinct commission_id) from audit.retention_purges "
            "where purged_at >= ? and is_dry_run = ?",
            [started, not night.purge_apply],
        ).fetchone()
    rows, commissions = removed or (0, 0)
    return {"rows": int(rows), "expired_commissions": commissions, "applied": night.purge_apply}


def approved_pairs(on: dt.date) -> list[tuple[str, str]]:
    """Every (recipient, commission) with a sharing approval in date on the day."""
    return sorted(
        {
            (row["recipient_type"], row["commission_id"])
            for row in registers.read_register("sharing_approvals")
            if export._in_date(row["approved_date"], row["expires_date"], on)
        }
    )


def step_export(night: Night) -> dict[str, Any]:
    files = 0
    log = night.step_log("export")
    log.parent.mkdir(parents=True, exist_ok=True)
    for recipient, commission in approved_pairs(dt.date.today()):
        try:
            with log.open("a") as out, contextlib.redirect_stdout(out):
                folder = export.export(recipient, commission, warehouse=night.warehouse, exports_dir=night.exports_dir)
        except export.ExportRefused as refused:
            raise StepFailed(f"export for '{recipient}' and {commission} refused: {refused}") from refused
        files += sum(1 for path in folder.iterdir() if path.is_file())
    return {"files": files}


def step_publish(night: Night) -> dict[str, Any]:
    try:
        result = publish.publish(
            night.warehouse, night.published_dir, project_dir=night.project_dir, **night.publish_args
        )
    except (publish.PublishRefused, publish.AuditFailed) as failed:
        reason = str(failed).replace("\n", "; ")
        raise StepFailed(f"nothing published, the previous file stays: {reason}") from failed
    return {
        "rows": sum(r["rows"] for r in result.values()),
        "build_id": next(iter(result.values()))["build_id"] if result else None,
        "files": [r["file"] for r in result.values()],
    }


def step_docs(night: Night) -> dict[str, Any]:
    if (
        night.python("docs", "insight_hub.record_of_processing", "--manifest", str(night.target_path / "manifest.json"))
        != 0
    ):
        raise StepFailed(f"the record of processing failed (see {night.step_log('docs')})")
    if night.dbt("docs", "docs", "generate", "--quiet") != 0:
        raise StepFailed(f"dbt docs generate failed (see {night.step_log('docs')})")
    return {}


STEP_FUNCTIONS: dict[str, Callable[[Night], dict[str, Any]]] = {
    "freshness": step_freshness,
    "build": step_build,
    "guard": step_guard,
    "purge": step_purge,
    "export": step_export,
    "publish": step_publish,
    "docs": step_docs,
}


@contextlib.contextmanager
def locked(lock_file: Path, wait: bool) -> Iterator[bool]:
    """Hold an exclusive flock on the lock file; yields False (holding nothing) when another run
    holds it and wait is False. The kernel releases it if this process dies."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Progress:
    """Step lines on the terminal; a running clock when it is one."""

    def __init__(self, stream: IO[str], total: int) -> None:
        self.stream = stream
        self.total = total
        self.tty = stream.isatty()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, index: int, step: str) -> None:
        self.label = f"[{index}/{self.total}] {step:<9}"
        self.started = time.monotonic()
        if self.tty:
            self._stop.clear()
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self.stream.write(f"\r{self.label} running {time.monotonic() - self.started:6.0f} s")
            self.stream.flush()

    def end(self, outcome: str, reason: str = "") -> None:
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._thread = None
        clear = "\r\033[K" if self.tty else ""
        self.stream.write(
            f"{clear}{self.label} {outcome:<7} {time.monotonic() - self.started:6.1f} s{'  ' + reason if reason else ''}\n"
        )
        self.stream.flush()


RUN_LOG_FIELDS = ("run_id", "step", "start", "end", "seconds", "outcome", "rows", "exit_code")


def _log(run_log: Path, record: dict[str, Any]) -> None:
    """Append one line to the run log, every field of RUN_LOG_FIELDS present (null where unknown)."""
    run_log.parent.mkdir(parents=True, exist_ok=True)
    with run_log.open("a") as out:
        out.write(json.dumps({**dict.fromkeys(RUN_LOG_FIELDS), **record}, default=str) + "\n")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def run_night(night: Night, steps: list[str], run_log: Path, progress: Progress) -> int:
    """Run the steps in order; returns the exit status."""
    status = EXIT_OK
    started = _now()
    _log(
        run_log,
        {"run_id": night.run_id, "step": "run", "start": started, "end": None, "outcome": "started", "steps": steps},
    )
    stale = False
    for index, step in enumerate(steps, 1):
        progress.start(index, step)
        record: dict[str, Any] = {"run_id": night.run_id, "step": step, "start": _now()}
        begun = time.monotonic()
        try:
            detail = STEP_FUNCTIONS[step](night)
            outcome, reason, code = "ok", "", EXIT_OK
        except StepFailed as failed:
            detail, reason, code = {}, str(failed), EXIT_CODES[step]
            outcome = "stale" if step == "freshness" else "failed"
        except Exception as error:  # a step that broke counts as failed, with its step's status
            detail, reason, code, outcome = (
                {},
                f"{type(error).__name__}: {str(error)[:300]}",
                EXIT_CODES[step],
                "failed",
            )
        record.update(
            end=_now(),
            seconds=round(time.monotonic() - begun, 3),
            outcome=outcome,
            rows=detail.pop("rows", None),
            exit_code=code,
            detail=detail or None,
            reason=reason or None,
        )
        _log(run_log, record)
        progress.end(outcome, reason)
        if step == "freshness" and code:
            stale = True
        elif code:
            status = code
            for skipped in steps[index:]:
                _log(
                    run_log,
                    {
                        "run_id": night.run_id,
                        "step": skipped,
                        "start": None,
                        "end": None,
                        "outcome": "skipped",
                        "rows": None,
                        "exit_code": None,
                    },
                )
            break
    if status == EXIT_OK and stale:
        status = EXIT_CODES["freshness"]
    _log(
        run_log,
        {
            "run_id": night.run_id,
            "step": "run",
            "start": started,
            "end": _now(),
            "outcome": "ok" if status == EXIT_OK else "failed",
            "exit_code": status,
        },
    )
    return status


def _steps(text: str) -> list[str]:
    asked = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in asked if s not in STEPS]
    if unknown or not asked:
        raise argparse.ArgumentTypeError(f"unknown steps {unknown}; choose from {','.join(STEPS)}")
    return [s for s in STEPS if s in asked]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_hub.nightly", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps", type=_steps, default=list(STEPS), help=f"comma-separated subset of {','.join(STEPS)}"
    )
    parser.add_argument("--wait", action="store_true", help="wait for a running night to finish instead of exiting 3")
    parser.add_argument(
        "--purge-dry-run", action="store_true", help="report what retention would remove, remove nothing"
    )
    parser.add_argument("--build-select", help="dbt selector for the build step (default: everything)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--target-path", type=Path, default=Path(os.environ.get("DBT_TARGET_PATH", "target")))
    parser.add_argument("--log-dir", type=Path, default=Path(os.environ.get("DBT_LOG_PATH", "logs")))
    parser.add_argument("--lock-file", type=Path, help="default <log-dir>/nightly.lock")
    parser.add_argument("--run-log", type=Path, help="default <log-dir>/nightly.jsonl")
    parser.add_argument("--exports-dir", type=Path, default=Path("exports"))
    parser.add_argument("--published-dir", type=Path, default=publish.default_published_dir())
    parser.add_argument(
        "--min-ratio", type=float, default=0.5, help="publish: least rows per table against the last file"
    )
    parser.add_argument(
        "--max-ratio", type=float, default=2.0, help="publish: most rows per table against the last file"
    )
    args = parser.parse_args(argv)
    lock_file = args.lock_file or args.log_dir / "nightly.lock"
    run_log = args.run_log or args.log_dir / "nightly.jsonl"
    night = Night(
        project_dir=args.project_dir.resolve(),
        warehouse=args.warehouse.resolve(),
        target_path=(args.project_dir / args.target_path).resolve(),
        log_dir=args.log_dir.resolve(),
        exports_dir=args.exports_dir.resolve(),
        published_dir=args.published_dir.resolve(),
        purge_apply=not args.purge_dry_run,
        build_select=args.build_select,
        publish_args={"min_ratio": args.min_ratio, "max_ratio": args.max_ratio},
    )
    try:
        with locked(lock_file, args.wait) as held:
            if not held:
                print(f"another nightly run holds {lock_file}: not starting (exit {EXIT_LOCKED})", file=sys.stderr)
                _log(
                    run_log,
                    {
                        "run_id": night.run_id,
                        "step": "run",
                        "start": _now(),
                        "end": _now(),
                        "outcome": "locked",
                        "exit_code": EXIT_LOCKED,
                    },
                )
                return EXIT_LOCKED
            status = run_night(night, args.steps, run_log, Progress(sys.stdout, len(args.steps)))
    except Exception as error:  # the runner itself broke: one line, a distinct status
        print(f"nightly run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"nightly run {night.run_id}: exit {status}" + ("" if status == EXIT_OK else f" (see {run_log})"))
    return status


if __name__ == "__main__":
    sys.exit(main())
