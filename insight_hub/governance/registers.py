"""The governance registers (seeds/governance/*.csv), read from the files in place.

The rules run before `dbt seed` loads them, so they read the files, as text:
every value a string, an empty cell ''.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from insight_hub.governance.manifest import PROJECT_ROOT

Row = dict[str, str]
GOVERNANCE_DIR = Path("seeds") / "governance"


def read_csv(path: Path) -> list[Row]:
    """The rows of a register file, in file order."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_register(name: str, folder: Path = PROJECT_ROOT / GOVERNANCE_DIR) -> list[Row]:
    """The rows of one register of a seeds/governance folder, by name."""
    return read_csv(Path(folder) / f"{name}.csv")


def split_list(value: str | None) -> list[str]:
    """A register's '|'-separated list (agreed_data_categories), trimmed, blanks dropped."""
    return [item.strip() for item in (value or "").split("|") if item.strip()]


@dataclass(frozen=True)
class Registers:
    """The registers the rules judge the project against."""

    commissions: dict[str, Row]  # by commission_id
    risk_assessments: dict[str, Row]  # by risk_assessment_id
    notice_categories: dict[str, str]  # data_category -> special_category (none, art9, art10)
    notice_recipients: list[str]
    retention_classes: list[str]
    retention_exceptions: list[Row]
    sharing_approvals: list[Row]

    def agreed_categories(self, commission_id: str) -> list[str]:
        return split_list(self.commissions[commission_id]["agreed_data_categories"])


def load(folder: Path = PROJECT_ROOT / GOVERNANCE_DIR) -> Registers:
    """Every register the rules read, from a seeds/governance folder."""

    def rows(name: str) -> list[Row]:
        return read_register(name, folder)

    return Registers(
        commissions={row["commission_id"]: row for row in rows("commissions")},
        risk_assessments={row["risk_assessment_id"]: row for row in rows("risk_assessments")},
        notice_categories={row["data_category"]: row["special_category"] for row in rows("privacy_notice_categories")},
        notice_recipients=[row["recipient_type"] for row in rows("privacy_notice_recipients")],
        retention_classes=[row["retention_class"] for row in rows("retention_schedule")],
        retention_exceptions=rows("retention_exceptions"),
        sharing_approvals=rows("sharing_approvals"),
    )
