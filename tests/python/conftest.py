"""Shared fixtures: the project's manifest as `dbt parse` writes it, a small deterministic borough built
once per test session, its exports for every approved recipient, and one extra build of the same
borough without its latest deliveries, then with them (linkage stability and the two-build disclosure
attack both read it)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace

from insight_hub import export
from insight_hub.governance import manifest, registers

SMALL_SCALE = "0.02"
SEED = "20261101"
AS_OF = "2026-11-01"
COMMISSION = "IH-2026-001"


@pytest.fixture(scope="session")
def parsed_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project's manifest as dbt writes it while parsing, before on-run-start: what the
    pre-build rules judge. Tests edit deep copies of it."""
    workspace = Workspace(tmp_path_factory.mktemp("parse"))
    workspace.dbt("parse")
    return manifest.load(workspace.target / "manifest.json")


@pytest.fixture(scope="session")
def built_borough(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small synthetic borough, generated with its synthetic boundaries (for the dashboard's maps)
    and then built by `dbt build` under a fresh random master key (so key-leak tests look for a real
    secret)."""
    workspace = Workspace(tmp_path_factory.mktemp("borough"), master_key=secrets.token_urlsafe(32))
    workspace.generate_borough(
        "--scale", SMALL_SCALE, "--seed", SEED, "--as-of", AS_OF, "--boundaries", str(workspace.boundaries)
    )
    workspace.dbt("build")
    return workspace


def run_results(workspace: Workspace) -> list[dict]:
    return json.loads(Path(workspace.target, "run_results.json").read_text())["results"]


def approved_pairs() -> list[tuple[str, str]]:
    """Every (recipient, commission) with an in-date sharing approval today."""
    today = dt.date.today().isoformat()
    return sorted(
        {
            (row["recipient_type"], row["commission_id"])
            for row in registers.read_register("sharing_approvals")
            if row["approved_date"] <= today and (not row["expires_date"] or today <= row["expires_date"])
        }
    )


def export_everything(workspace: Workspace, exports_dir: Path) -> Path:
    """Run the export command for every approved recipient and commission; returns the exports folder."""
    pairs = approved_pairs()
    assert pairs, "no sharing approval is in date today"
    for recipient, commission in pairs:
        status = export.main(
            [
                "--recipient",
                recipient,
                "--commission",
                commission,
                "--warehouse",
                str(workspace.warehouse),
                "--exports-dir",
                str(exports_dir),
            ]
        )
        assert status == 0, f"export for '{recipient}' and {commission} refused"
    return exports_dir


@pytest.fixture(scope="session")
def borough_exports(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the built borough sends to every approved recipient (exports/<recipient>/<commission>/)."""
    return export_everything(built_borough, tmp_path_factory.mktemp("exports"))


def _keys(workspace: Workspace) -> dict[str, str]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return dict(
            con.execute("select record_token, person_key from intermediate.int_person_keys__assigned").fetchall()
        )


def _changes(workspace: Workspace) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(
            "select invocation_id, previous_person_key, person_key, change_type, record_count "
            "from intermediate.int_person_keys__changes order by all"
        ).fetchall()


@pytest.fixture(scope="session")
def redelivered(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A borough built without its latest deliveries (and exported), rebuilt unchanged, then rebuilt
    with them, shares included (and exported again): person keys at each step, the logged key
    changes, and the two builds' export folders."""
    workspace = Workspace(tmp_path_factory.mktemp("redelivery"), master_key=built_borough.master_key)
    shutil.copytree(built_borough.landing, workspace.landing)
    held_back = workspace.root / "held_back"
    held_back.mkdir()
    latest = [p for p in (workspace.landing / COMMISSION).rglob("*_2026-10.*")]
    assert latest, "the small borough has no second delivery to hold back"
    for path in latest:
        shutil.move(path, held_back / path.name)
    workspace.dbt("build", "--exclude", "test_type:data")
    earlier_exports = export_everything(workspace, workspace.root / "exports_earlier")
    first = _keys(workspace)
    workspace.dbt("run", "--select", "+int_person_keys__changes")
    rebuilt = _keys(workspace)
    changes_after_rebuild = _changes(workspace)
    for path in latest:
        shutil.move(held_back / path.name, path)
    workspace.dbt("run", "--select", "+int_person_keys__changes", "+path:models/sharing")
    later_exports = export_everything(workspace, workspace.root / "exports_later")
    return {
        "first": first,
        "rebuilt": rebuilt,
        "after": _keys(workspace),
        "changes_after_rebuild": changes_after_rebuild,
        "changes": _changes(workspace),
        "earlier_exports": earlier_exports,
        "later_exports": later_exports,
    }


@pytest.fixture(scope="session")
def published_borough(built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built borough's published files (insight_hub.publish), as the dashboard reads them; returns
    the folder holding services.duckdb and hub_analysts.duckdb."""
    from insight_hub import publish

    folder = tmp_path_factory.mktemp("published")
    publish.publish(built_borough.warehouse, folder)
    return folder
