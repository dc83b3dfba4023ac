"""Retention's one rule: no commission's data outlives its close by more than the Hub's limit.

The number of years is ``vars.hub_retention_years`` in dbt_project.yml. The SQL
macro retention_expiry_date reads it with var(); everything else (the
pre-build rule, purge_expired through the retention plugin, its landing-file
guard, the record of processing) calls the functions here. ``add_years`` is
DuckDB's ``date + interval N year`` (29 February becomes 28 February in a year
without one); a test compares the two on every day of several years.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from insight_hub.governance.manifest import PROJECT_ROOT, project_vars
from insight_hub.governance.registers import Row

RETENTION_VAR = "hub_retention_years"


def hub_retention_years(project_dir: Path = PROJECT_ROOT) -> int:
    """Years after its commission closes that the Hub may keep a commission's data (dbt_project.yml)."""
    return int(project_vars(project_dir)[RETENTION_VAR])


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years, as DuckDB's ``+ interval N year`` computes it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def hub_limit(close_date: dt.date, years: int) -> dt.date:
    """The last day a commission's data may be kept without an exception."""
    return add_years(close_date, years)


def retained_until(commission: Row, exceptions: list[Row], as_of: dt.date, years: int) -> dt.date:
    """The Hub limit, pushed later by a commission-wide exception (no retention_class)
    while its review date is not past on ``as_of``."""
    held = [
        dt.date.fromisoformat(row["extended_until"])
        for row in exceptions
        if row["commission_id"] == commission["commission_id"]
        and not row.get("retention_class")
        and dt.date.fromisoformat(row["review_date"]) >= as_of
    ]
    return max([hub_limit(dt.date.fromisoformat(commission["close_date"]), years), *held])


def expired_commissions(commissions: list[Row], exceptions: list[Row], as_of: dt.date, years: int) -> list[str]:
    """The commissions whose retention has ended on ``as_of``, sorted: what purge_expired removes."""
    return sorted(row["commission_id"] for row in commissions if retained_until(row, exceptions, as_of, years) < as_of)
