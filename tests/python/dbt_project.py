"""Running dbt against this project from tests, each run in its own folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What a copy of the project needs to build (the Python package is installed).
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests/dbt")


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project, for tests that break it on purpose."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


@dataclass(frozen=True)
class Workspace:
    """Where one test run keeps its landing data, warehouse and dbt artifacts."""

    root: Path
    project: Path = field(default=PROJECT_ROOT)
    # None: no key in the environment, so the test target falls back to the demo key
    master_key: str | None = None

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def truth(self) -> Path:
        return self.root / "ground_truth"

    @property
    def boundaries(self) -> Path:
        return self.root / "boundaries"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "insight_hub.duckdb"

    @property
    def target(self) -> Path:
        return self.root / "target"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def copy(self, root: Path, project: Path | None = None) -> Workspace:
        """This workspace's landing, warehouse and dbt artifacts, copied under `root` so a test may change
        them (built with this project, or `project`), under the same key."""
        workspace = Workspace(root, project=project or self.project, master_key=self.master_key)
        shutil.copytree(self.landing, workspace.landing)
        shutil.copytree(self.warehouse.parent, workspace.warehouse.parent)
        shutil.copytree(self.target, workspace.target)
        return workspace

    def env(self, **overrides: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY", None)
        if self.master_key is not None:
            env["DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY"] = self.master_key
        env.update(
            INSIGHT_HUB_TARGET="test",
            INSIGHT_HUB_LANDING=str(self.landing),
            INSIGHT_HUB_WAREHOUSE=str(self.warehouse),
            DBT_TARGET_PATH=str(self.target),
            DBT_LOG_PATH=str(self.logs),
            DBT_PROFILES_DIR=str(self.project),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.update(overrides)
        return env

    def dbt(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        """Run a dbt command in the project; fail the test with dbt's output if asked."""
        completed = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), *args],
            cwd=self.project,
            env=self.env(**env),
            capture_output=True,
            text=True,
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"dbt {' '.join(args)} failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}"
            )
        return completed

    def generate_borough(self, *args: str) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "insight_hub.borough",
                "--landing",
                str(self.landing),
                "--truth",
                str(self.truth),
                *args,
            ],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
