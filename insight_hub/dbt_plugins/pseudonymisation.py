"""dbt-duckdb plugin that loads per-commission pseudonymisation keys.

Configured in ``profiles.yml``. On every DuckDB connection and cursor dbt
opens, it sets two session variables per commission in the commissions
register (the RFC 2104 inner and outer pads of the commission key), which the
``pseudonymise`` macro reads with ``getvariable``. Keys therefore never appear
in SQL text, compiled files, run results, logs or the warehouse file, and a
connection opened without this plugin cannot compute tokens at all.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.exceptions import DbtRuntimeError

from insight_hub import pseudonymisation

logger = AdapterLogger("InsightHub")

DEFAULT_COMMISSIONS_REGISTER = "seeds/governance/commissions.csv"


class Plugin(BasePlugin):
    """Per-commission HMAC pads as DuckDB session variables."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        try:
            master_key, is_demo = pseudonymisation.resolve_master_key(
                bool(plugin_config.get("allow_demo_key", False))
            )
        except pseudonymisation.MasterKeyError as error:
            raise DbtRuntimeError(str(error)) from None
        if is_demo:
            logger.warning(
                f"{pseudonymisation.MASTER_KEY_ENV} is not set: using the published demo key. "
                "Tokens are NOT secret; never load real residents' data with this key."
            )
        register = Path(plugin_config.get("commissions_register", DEFAULT_COMMISSIONS_REGISTER))
        if not register.is_file():
            raise DbtRuntimeError(f"commissions register {register} not found (run dbt from the project root)")
        with register.open(newline="", encoding="utf-8") as handle:
            commissions = sorted({row["commission_id"] for row in csv.DictReader(handle)})
        self._pads = pseudonymisation.commission_pads(master_key, commissions)
        if self.creds is not None and self.creds.path not in (None, "", ":memory:"):
            Path(self.creds.path).parent.mkdir(parents=True, exist_ok=True)

    def configure_connection(self, conn: Any) -> None:
        pseudonymisation.set_pad_variables(conn, self._pads)

    def configure_cursor(self, cursor: Any) -> None:
        pseudonymisation.set_pad_variables(cursor, self._pads)
