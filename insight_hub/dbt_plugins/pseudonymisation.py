"""dbt-duckdb plugin: token functions that hold the keys, and an engine that cannot read files.

Configured in ``profiles.yml``. When dbt opens its DuckDB database, the plugin

- takes the master key out of the environment (DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY; out of
  os.environ and dbt's copy that env_var() reads; production refuses a
  missing, published or weak key), derives one key per
  commission in the commissions register, and registers
  ``insight_hub_token(commission_id, domain, value)`` and
  ``insight_hub_tokens(commission_id, domain, values)``, Python functions that
  hold those keys (``insight_hub.pseudonymisation.token_functions``); SQL can
  call them, nothing in SQL can read a key;
- limits DuckDB's file access to ``allowed_directories`` (the landing folder
  and seeds/) and ``allowed_paths`` (dbt's target/manifest.json, which the
  on-run-end hook records with the build; a listed file can be read, not
  written) and then turns external access off, which SQL cannot turn back
  on: no query reads /proc/self/environ (where the process's original
  environment, key included, stays), a key file, or writes anywhere else.

A connection opened without this plugin has no token functions, so the
staging views fail there rather than produce unkeyed hashes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.context import get_invocation_context
from dbt_common.exceptions import DbtRuntimeError

from insight_hub import pseudonymisation
from insight_hub.governance import registers

logger = AdapterLogger("InsightHub")

DEFAULT_COMMISSIONS_REGISTER = "seeds/governance/commissions.csv"


class Plugin(BasePlugin):
    """Keyed token functions and locked-down file access on every dbt connection."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        try:
            master_key, warning = pseudonymisation.resolve_master_key(bool(plugin_config.get("allow_demo_key", False)))
        except pseudonymisation.MasterKeyError as error:
            raise DbtRuntimeError(str(error)) from None
        # dbt keeps its own copy of the environment for env_var(): the key leaves that too.
        # dbt_common types it a read-only Mapping; it is the dict InvocationContext built
        # (a CaseInsensitiveMapping, which has no pop, only on Windows).
        env = get_invocation_context().env
        assert isinstance(env, dict), f"dbt's invocation environment is a {type(env).__name__}, not a dict"
        env.pop(pseudonymisation.MASTER_KEY_ENV, None)
        if warning:
            logger.warning(f"{warning}. Tokens are NOT secret with this key; never load real residents' data.")
        register = Path(plugin_config.get("commissions_register", DEFAULT_COMMISSIONS_REGISTER))
        if not register.is_file():
            raise DbtRuntimeError(f"commissions register {register} not found (run dbt from the project root)")
        commissions = sorted({row["commission_id"] for row in registers.read_csv(register)})
        self._token_functions = pseudonymisation.token_functions(master_key, commissions)
        directories = plugin_config.get("allowed_directories")
        if not directories:
            raise DbtRuntimeError(
                "profiles.yml: plugin insight_hub.dbt_plugins.pseudonymisation needs allowed_directories "
                "(the landing folder and seeds)"
            )
        # absolute, without resolving symbolic links: DuckDB compares the paths queries name
        self._allowed_directories = [os.path.join(os.path.abspath(directory), "") for directory in directories]
        self._allowed_paths = [os.path.abspath(path) for path in plugin_config.get("allowed_paths", [])]
        if self.creds is not None and self.creds.path not in (None, "", ":memory:"):
            Path(self.creds.path).parent.mkdir(parents=True, exist_ok=True)

    def configure_connection(self, conn: Any) -> None:
        # Functions and settings belong to the database, so every cursor dbt
        # opens on this connection has them: nothing to do per cursor.
        pseudonymisation.register_token_functions(conn, self._token_functions)
        conn.execute("set allowed_directories = ?", [self._allowed_directories]).fetchall()
        if self._allowed_paths:
            conn.execute("set allowed_paths = ?", [self._allowed_paths]).fetchall()
        conn.execute("set enable_external_access = false").fetchall()
