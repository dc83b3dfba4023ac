"""What the benchmarks share: a workspace per scale, timing, reporting."""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT_ROOT / "bench" / "results"


@dataclass(frozen=True)
class BenchWorkspace:
    """Landing data, warehouse and dbt artifacts of one benchmark scale."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "insight_hub.duckdb"

    @property
    def target(self) -> Path:
        return self.root / "target"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "INSIGHT_HUB_TARGET": "test",
            "INSIGHT_HUB_LANDING": str(self.landing),
            "INSIGHT_HUB_WAREHOUSE": str(self.warehouse),
            "DBT_TARGET_PATH": str(self.target),
            "DBT_LOG_PATH": str(self.root / "logs"),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        }


def workspace_for(scale: float, fault_profile: str = "default") -> BenchWorkspace:
    """bench/work/scale_<scale> (the default fault profile) or scale_<scale>_<profile>."""
    name = f"scale_{scale:g}" if fault_profile == "default" else f"scale_{scale:g}_{fault_profile}"
    return BenchWorkspace(Path(os.environ.get("INSIGHT_HUB_BENCH_DIR", PROJECT_ROOT / "bench" / "work")) / name)


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of a command run from the project root; fails loudly."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-2000:]}")
    return elapsed


def delivered_records(workspace: BenchWorkspace) -> int:
    """How many extract rows the generated borough delivered (its ground truth has one row each)."""
    truth = workspace.root / "ground_truth" / "records.parquet"
    counted = duckdb.sql(f"select count(*) from read_parquet('{truth}')")
    assert counted is not None, "a select gives a relation (None is for statements without a result)"
    # duckdb 2 relations have no fetchone(): it raises AttributeError, pointing to fetchall()
    return int(counted.fetchall()[0][0])


def generate(workspace: BenchWorkspace, scale: float, fault_profile: str = "default") -> float:
    return timed(
        [
            sys.executable,
            "-m",
            "insight_hub.borough",
            "--scale",
            str(scale),
            "--fault-profile",
            fault_profile,
            "--landing",
            str(workspace.landing),
            "--truth",
            str(workspace.root / "ground_truth"),
        ],
        workspace.env(),
    )


def dbt(workspace: BenchWorkspace, *args: str) -> float:
    return timed([sys.executable, "-m", "dbt.cli.main", *args], workspace.env())


def median(values: list[float]) -> float:
    return statistics.median(values)


def measured() -> dict[str, object]:
    """Where and when figures are measured: the commit, the date, the machine's cores and memory."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "commit": commit or "unknown",
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory),
    }


def save(name: str, figures: dict) -> Path:
    """Write a benchmark's figures, with where and when they were measured, to bench/results/<name>.json
    (committed: the README's Performance section is written from these files by bench.report)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**figures, "measured": measured()}, indent=2) + "\n")
    return path


def project_copy(destination: Path) -> str:
    """A throwaway copy of the project's tracked files at `destination`, for a benchmark that
    changes the project as a user would (adds an extract, edits the registers); the repository is
    never modified. The copy is of the working tree, uncommitted changes to tracked files included
    (`git stash create` makes a commit of them without touching the tree or the stash); what was
    copied is returned: the commit, with "+ uncommitted changes" when there were any."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    stashed = subprocess.run(
        ["git", "stash", "create"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    destination.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", stashed or head], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return f"{head[:7]} + uncommitted changes" if stashed else head[:7]
