"""Shared fixtures: a small deterministic borough built once per test session."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from insight_hub.tests.dbt_project import Workspace

SMALL_SCALE = "0.02"
SEED = "20261101"
AS_OF = "2026-11-01"


@pytest.fixture(scope="session")
def built_borough(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small synthetic borough, generated and then built by `dbt build` under
    a fresh random master key (so key-leak tests look for a real secret)."""
    workspace = Workspace(tmp_path_factory.mktemp("borough"), master_key=secrets.token_urlsafe(32))
    workspace.generate_borough("--scale", SMALL_SCALE, "--seed", SEED, "--as-of", AS_OF)
    workspace.dbt("build")
    return workspace


def run_results(workspace: Workspace) -> list[dict]:
    return json.loads(Path(workspace.target, "run_results.json").read_text())["results"]
