"""dbt-duckdb plugin that reads every delivery of an Excel extract.

dbt-duckdb's built-in ``excel`` plugin reads one workbook. Services deliver a
workbook per extract, so this loader reads every file matching the source's
``external_location`` glob (sorted, so the result is deterministic), reads all
cells as text (the staging layer does the typing and validation, as it does for
CSV), and adds the two provenance columns every landing read carries:
``delivery_file`` (the workbook's file name) and ``source_row_number`` (the
1-based data row in its sheet, header excluded). Declare the source with
``database: landing_memory`` (an in-memory database attached in profiles.yml)
and ``meta: {plugin: excel_deliveries, materialization: table}``: the rows are
then loaded where every dbt thread can read them, for one run, and the
cleartext never reaches the warehouse file.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig
from dbt_common.exceptions import DbtRuntimeError

IN_MEMORY_DATABASE = "landing_memory"
# An .xlsx file is a zip archive; the pre-load check (stg_landing__delivery_checks) sets aside
# a delivery without this header, and this loader skips it, so it stops only itself.
ZIP_MAGIC = b"PK\x03\x04"


class Plugin(BasePlugin):
    """Load all workbooks matching a glob into one text-typed DataFrame."""

    def load(self, source_config: SourceConfig) -> pd.DataFrame:
        if source_config.database != IN_MEMORY_DATABASE:
            raise DbtRuntimeError(
                f"source {source_config.table_name()}: workbook deliveries must be loaded into the "
                f"{IN_MEMORY_DATABASE} database, never the warehouse file"
            )
        pattern = source_config["external_location"].format(**source_config.as_dict())
        files = sorted(glob.glob(pattern))
        if not files:
            raise DbtRuntimeError(f"source {source_config.table_name()}: no workbook matches {pattern}")
        sheet = source_config.get("sheet_name", 0)
        frames = []
        for path in files:
            if Path(path).read_bytes()[:4] != ZIP_MAGIC:
                # not a workbook at all: stg_landing__delivery_checks sets it aside and says so
                continue
            try:
                frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
            except Exception as error:  # openpyxl raises many types; name the file either way
                raise DbtRuntimeError(f"{path}: cannot read sheet {sheet!r}: {error}") from None
            frame = frame.replace("", None)
            frame["delivery_file"] = Path(path).name
            frame["source_row_number"] = range(1, len(frame) + 1)
            frames.append(frame)
        if not frames:
            raise DbtRuntimeError(f"source {source_config.table_name()}: no file matching {pattern} is a workbook")
        return pd.concat(frames, ignore_index=True)
