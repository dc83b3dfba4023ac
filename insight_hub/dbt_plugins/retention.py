"""dbt-duckdb plugin: retention's rule and the landing-folder side of purge_expired.

Registers two SQL functions on every connection dbt opens:

    insight_hub_expired_commissions(as_of) -> varchar[]
        the commissions whose retention has ended on as_of
        (insight_hub.governance.retention.expired_commissions over the
        commissions and retention_exceptions registers, the years from
        vars.hub_retention_years): what the purge_expired operation removes;
    insight_hub_purge_landing(commission_id, as_of, apply) -> number of files
        counts (and with apply=true deletes) the commission's folder under
        the landing area (INSIGHT_HUB_LANDING). As a last guard it refuses a
        commission that is not expired on as_of by the same rule, whatever
        the SQL that called it decided.

Paths (``registers``, default seeds/governance; ``project_dir``, default the
project root where dbt runs) are the plugin config's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from insight_hub.governance import registers, retention


class Plugin(BasePlugin):
    """Which commissions have expired, and removing their landing files."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._registers = Path(plugin_config.get("registers", registers.GOVERNANCE_DIR))
        self._project_dir = Path(plugin_config.get("project_dir", "."))

    def configure_connection(self, conn: Any) -> None:
        conn.create_function("insight_hub_expired_commissions", self.expired, ["DATE"], "VARCHAR[]", side_effects=True)
        conn.create_function(
            "insight_hub_purge_landing",
            self.purge_landing,
            ["VARCHAR", "DATE", "BOOLEAN"],
            "BIGINT",
            side_effects=True,
        )

    def expired(self, as_of: dt.date) -> list[str]:
        return retention.expired_commissions(
            registers.read_register("commissions", self._registers),
            registers.read_register("retention_exceptions", self._registers),
            as_of,
            retention.hub_retention_years(self._project_dir),
        )

    def purge_landing(self, commission_id: str, as_of: dt.date, apply: bool) -> int:
        if not re.fullmatch(r"[A-Za-z0-9-]+", commission_id or ""):
            raise ValueError(f"not a commission id: {commission_id!r}")
        known = {row["commission_id"] for row in registers.read_register("commissions", self._registers)}
        if commission_id not in known:
            raise ValueError(f"commission {commission_id} is not in {self._registers / 'commissions.csv'}")
        if commission_id not in self.expired(as_of):
            raise ValueError(f"commission {commission_id} is retained on {as_of}: refusing to remove its landing files")
        folder = Path(os.environ.get("INSIGHT_HUB_LANDING", "data/landing")) / commission_id
        if not folder.is_dir():
            return 0
        files = sum(1 for path in folder.rglob("*") if path.is_file())
        if apply:
            shutil.rmtree(folder)
        return files
