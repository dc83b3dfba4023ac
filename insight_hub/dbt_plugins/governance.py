"""dbt-duckdb plugin: the pre-build governance rules, callable from the on-run-start hook.

Registers one SQL function on every connection dbt opens:

    insight_hub_governance_violations(as_of, store_failures, invocation_id, run_vars) -> varchar[]

which reads the manifest dbt wrote while parsing this run (``manifest`` in the
plugin config: target/manifest.json), the registers (``registers``, default
seeds/governance) and the landing folder, and returns
``insight_hub.governance.rules.violations`` (plus any governance var the run
overrides with --vars, as ``run_vars``, JSON). The manifest must carry
``invocation_id``: a stale one (``--no-write-json``, or ``--target-path``
where the profile reads DBT_TARGET_PATH) is itself a violation, so the rules
never judge another run's project. Paths are relative to the project root,
where dbt runs. The function reads files in Python, outside DuckDB's
allowed_directories, but only the ones configured here: SQL names no path.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from insight_hub.governance import manifest, registers, rules


class Plugin(BasePlugin):
    """The on-run-start rules as a SQL function."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._manifest = Path(plugin_config.get("manifest", "target/manifest.json"))
        self._registers = Path(plugin_config.get("registers", registers.GOVERNANCE_DIR))
        self._project_dir = Path(plugin_config.get("project_dir", "."))

    def configure_connection(self, conn: Any) -> None:
        conn.create_function(
            "insight_hub_governance_violations",
            self.violations,
            ["VARCHAR", "BOOLEAN", "VARCHAR", "VARCHAR"],
            "VARCHAR[]",
            side_effects=True,
        )

    def violations(self, as_of: str, store_failures: bool, invocation_id: str, run_vars: str) -> list[str]:
        if not self._manifest.is_file():
            return [
                f"{self._manifest}: no manifest to judge the run by (dbt writes it while parsing; "
                "run dbt without --no-write-json)"
            ]
        parsed = manifest.load(self._manifest)
        written_by = parsed.get("metadata", {}).get("invocation_id")
        if written_by != invocation_id:
            return [
                f"{self._manifest} was written by dbt invocation {written_by}, not by this run ({invocation_id}): "
                "run dbt without --no-write-json, and point DBT_TARGET_PATH (not --target-path) at its target folder"
            ]
        settings = rules.Settings.from_project(dt.date.fromisoformat(as_of), store_failures, self._project_dir)
        return [
            *rules.run_vars_violations(json.loads(run_vars), self._project_dir),
            *rules.violations(parsed, registers.load(self._registers), settings),
        ]
