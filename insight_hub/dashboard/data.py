"""What the dashboard reads, and how it shows withheld cells: no Streamlit here, so tests can call it.

Every query goes through insight_hub.publish.connect (read-only, closed after the query). A share
table marks each withheld count ``<name>_count_status = '[c]'`` and leaves the count, and every
figure computed from it, null; ``for_display`` turns those cells into ``[c]`` so a withheld figure
is never shown as 0 or blank.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from insight_hub import publish

SUPPRESSED = "[c]"
NOT_APPLICABLE = "n/a"
SERVICES = "services"
HUB_ANALYSTS = "hub_analysts"
# columns that say who a share row is for and how it was controlled: shown once, in the page header
CONTROL_COLUMNS = (
    "recipient_type",
    "approval_id",
    "disclosure_rule_id",
    "suppress_up_to",
    "rounding_base",
    *publish.BUILD_COLUMNS,
)
STATUS_SUFFIX = "_status"


def published_dir() -> Path:
    """The folder of published files: INSIGHT_HUB_PUBLISHED, else published/ (as insight_hub.publish)."""
    return publish.default_published_dir()


def audience_file(audience: str) -> Path:
    return published_dir() / f"{audience}.duckdb"


def is_published(audience: str) -> bool:
    return audience_file(audience).is_file()


def file_version(audience: str) -> int:
    """Changes whenever a new file is published (os.replace gives a new inode and mtime): a cache key."""
    stat = audience_file(audience).stat()
    return hash((stat.st_ino, stat.st_mtime_ns))


def query(sql: str, parameters: list[Any] | None = None, audience: str = SERVICES) -> pd.DataFrame:
    """One query on a published file, on its own short read-only connection."""
    with publish.connect(audience, published_dir()) as con:
        return con.execute(sql, parameters or []).df()


@dataclass(frozen=True)
class BuildInfo:
    build_id: str
    built_at: Any
    published_at: Any
    audience: str


def build_info(audience: str = SERVICES) -> BuildInfo:
    frame = query("select build_id, built_at, published_at, audience from main.published_build", audience=audience)
    row = frame.iloc[0]
    return BuildInfo(str(row.build_id), row.built_at, row.published_at, str(row.audience))


def disclosure_rules(audience: str = SERVICES) -> pd.DataFrame:
    """The disclosure rules the services file's shares were controlled with (one row per rule)."""
    tables = query(
        "select table_schema, table_name from main.published_tables where table_name like 'share_%' order by all",
        audience=audience,
    )
    if tables.empty:
        return pd.DataFrame(columns=["disclosure_rule_id", "suppress_up_to", "rounding_base", "recipient_type"])
    union = " union ".join(
        f'select disclosure_rule_id, suppress_up_to, rounding_base, recipient_type from "{s}"."{t}"'
        for s, t in tables.itertuples(index=False)
    )
    return query(f"select distinct * from ({union}) order by all", audience=audience)


def withheld_columns(columns: list[str]) -> dict[str, str]:
    """Each figure column -> the status column saying whether the count it rests on was withheld.

    A count ``x_count`` has ``x_count_status``; figures computed from it start with its stem ``x``
    (``people_known_rate_per_1000_ci_lower`` rests on ``people_known_count``). The longest stem wins,
    so ``borough_people_known_rate_per_1000`` rests on ``borough_people_known_count``."""
    stems = {
        status[: -len("_count" + STATUS_SUFFIX)]: status
        for status in columns
        if status.endswith("_count" + STATUS_SUFFIX)
    }
    mapping: dict[str, str] = {}
    for column in columns:
        if column.endswith(STATUS_SUFFIX):
            continue
        matches = [stem for stem in stems if column == f"{stem}_count" or column.startswith(f"{stem}_")]
        if matches:
            mapping[column] = stems[max(matches, key=len)]
    return mapping


def _text(value: Any) -> str:
    """A published figure as text in a column that also holds ``[c]``: whole numbers without a
    decimal point, others with up to six significant digits (as published, e.g. 12.27)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def for_display(frame: pd.DataFrame, *, keep: list[str] | None = None) -> pd.DataFrame:
    """The frame as a page shows it (and its CSV download holds it): control and status columns
    dropped, every withheld count and every figure resting on a withheld count shown as ``[c]``,
    any other missing figure (a ratio to a zero rate, say) as ``n/a``. Columns with no missing
    value keep their numeric type."""
    columns = list(frame.columns)
    withheld = withheld_columns(columns)
    statuses = [c for c in columns if c.endswith(STATUS_SUFFIX)]
    any_withheld = frame[statuses].eq(SUPPRESSED).any(axis=1) if statuses else pd.Series(False, index=frame.index)
    shown = [c for c in (keep or columns) if c not in CONTROL_COLUMNS and not c.endswith(STATUS_SUFFIX)]
    out = pd.DataFrame(index=frame.index)
    for column in shown:
        values = frame[column]
        missing = values.isna()
        if not missing.any():
            out[column] = values
            continue
        if column in withheld:
            is_withheld = frame[withheld[column]].eq(SUPPRESSED) & missing
        else:
            # a figure resting on two counts (a ratio to the borough) is null when either is withheld
            is_withheld = any_withheld & missing
        text = [
            SUPPRESSED if gone else NOT_APPLICABLE if absent else (_text(v) if _is_number(v) else str(v))
            for v, gone, absent in zip(values, is_withheld, missing, strict=True)
        ]
        out[column] = pd.Series(text, index=frame.index, dtype=object)
    return out.reset_index(drop=True)


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def dashboard_audience() -> str:
    """Who this running dashboard is for: INSIGHT_HUB_DASHBOARD_AUDIENCE (services hides the Hub
    analysts' data quality page); the Hub's own reference deployment shows every page."""
    return os.environ.get("INSIGHT_HUB_DASHBOARD_AUDIENCE", HUB_ANALYSTS)
