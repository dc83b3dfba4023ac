"""dbt-duckdb plugin giving the purge_expired operation a way to remove landing files.

Registers one SQL function on every connection dbt opens:

    insight_hub_purge_landing(commission_id, as_of, apply) -> number of files

It counts (and with apply=true deletes) the commission's folder under the
landing area (INSIGHT_HUB_LANDING). As a last guard, independent of the SQL
that decides what has expired, it refuses any commission that is not in the
commissions register or closed less than three years before as_of.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from insight_hub.dbt_plugins.pseudonymisation import DEFAULT_COMMISSIONS_REGISTER

HUB_RETENTION_YEARS = 3


class Plugin(BasePlugin):
    """The landing-folder side of retention."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._register = Path(plugin_config.get("commissions_register", DEFAULT_COMMISSIONS_REGISTER))

    def configure_connection(self, conn: Any) -> None:
        conn.create_function(
            "insight_hub_purge_landing",
            self.purge_landing,
            ["VARCHAR", "DATE", "BOOLEAN"],
            "BIGINT",
            side_effects=True,
        )

    def purge_landing(self, commission_id: str, as_of: dt.date, apply: bool) -> int:
        if not re.fullmatch(r"[A-Za-z0-9-]+", commission_id or ""):
            raise ValueError(f"not a commission id: {commission_id!r}")
        with self._register.open(newline="", encoding="utf-8") as handle:
            closes = {row["commission_id"]: dt.date.fromisoformat(row["close_date"]) for row in csv.DictReader(handle)}
        if commission_id not in closes:
            raise ValueError(f"commission {commission_id} is not in {self._register}")
        close = closes[commission_id]
        limit = dt.date(close.year + HUB_RETENTION_YEARS, close.month, min(close.day, 28 if close.month == 2 else 31))
        if limit >= as_of:
            raise ValueError(f"commission {commission_id} is retained until {limit}: refusing to remove its landing files")
        folder = Path(os.environ.get("INSIGHT_HUB_LANDING", "data/landing")) / commission_id
        if not folder.is_dir():
            return 0
        files = sum(1 for path in folder.rglob("*") if path.is_file())
        if apply:
            shutil.rmtree(folder)
        return files
