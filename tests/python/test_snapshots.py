"""Type-2 history of the registers that change and of household composition, on a copy of the built borough.

Rules guarded (issue 13 item 3, snapshots/*.yml):
- a changed register row (a risk assessment's review date) gets a new version and its old one is closed;
  a row removed from a register (a revoked sharing approval) is closed, not forgotten;
- a household whose members change gets a new version, one that disappears is closed, the others keep one;
- an analyst reading the history as of a past date gets what was true then;
- the household history holds keyed tokens only (household and person keys), no cleartext column.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
from dbt_project import Workspace, copy_project

HISTORY_COLUMNS = {
    "commission_id",
    "household_key",
    "member_count",
    "person_keys",
    "dbt_scd_id",
    "dbt_updated_at",
    "dbt_valid_from",
    "dbt_valid_to",
}


def _rewrite(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> dict[str, str]:
    """Rewrite a register CSV through change(rows) -> rows; returns the first row before the change."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames or [], list(reader)
    first = dict(rows[0])
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(change(rows))
    return first


def test_snapshots_keep_what_was_true_on_a_past_date(built_borough: Workspace, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    workspace = built_borough.copy(tmp_path / "night", project=project)
    with duckdb.connect(str(workspace.warehouse)) as con:
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from (describe intermediate.household_composition_history)"
            ).fetchall()
        }
        assert columns == HISTORY_COLUMNS, "the household history holds only keys, counts and validity"
        households = con.execute("select count(*) from intermediate.int_households__composition").fetchone()
        assert (
            con.execute(
                "select count(*) from intermediate.household_composition_history where dbt_valid_to is null"
            ).fetchone()
            == households
        )
        changed, gone = con.execute(
            "select household_key from intermediate.int_households__composition where member_count >= 2 "
            "order by household_key limit 2"
        ).fetchall()
        (before,) = con.execute(
            "select person_keys from intermediate.int_households__composition where household_key = ?", changed
        ).fetchone() or (None,)
        # the next night's composition: one member moved out of one household, another household gone
        con.execute(
            "update intermediate.int_households__composition set member_count = member_count - 1, "
            "person_keys = person_keys[2:] where household_key = ?",
            changed,
        )
        con.execute("delete from intermediate.int_households__composition where household_key = ?", gone)
        (between,) = con.execute("select current_timestamp").fetchone() or (None,)
    registers = project / "seeds" / "governance"
    assessment = _rewrite(
        registers / "risk_assessments.csv", lambda rows: [{**rows[0], "review_date": "2027-06-30"}, *rows[1:]]
    )
    revoked = _rewrite(registers / "sharing_approvals.csv", lambda rows: rows[1:])

    workspace.dbt(
        "build", "--select", "risk_assessments sharing_approvals resource_type:snapshot", "--exclude", "test_type:data"
    )

    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        versions = con.execute(
            "select review_date, dbt_valid_to is null from governance.risk_assessments_history "
            "where risk_assessment_id = ? order by dbt_valid_from",
            [assessment["risk_assessment_id"]],
        ).fetchall()
        assert [(str(date), current) for date, current in versions] == [
            (assessment["review_date"], False),
            ("2027-06-30", True),
        ]
        assert con.execute(
            "select count(*), count(dbt_valid_to) from governance.sharing_approvals_history where approval_id = ?",
            [revoked["approval_id"]],
        ).fetchone() == (1, 1), "a revoked approval is closed in its history"
        history = "intermediate.household_composition_history"
        as_of = f"from {history} where household_key = ? and dbt_valid_from <= ? and (dbt_valid_to is null or dbt_valid_to > ?)"
        assert con.execute(f"select person_keys {as_of}", [*changed, between, between]).fetchall() == [(before,)]
        now = dt.datetime.now(dt.UTC)
        assert con.execute(f"select person_keys {as_of}", [*changed, now, now]).fetchall() == [(before[1:],)]
        assert con.execute(f"select count(*) {as_of}", [*gone, now, now]).fetchone() == (0,)
        assert con.execute(f"select count(*) {as_of}", [*gone, between, between]).fetchone() == (1,)
        assert con.execute(
            f"select count(*) from {history} where household_key not in (?, ?) and dbt_valid_to is not null",
            [*changed, *gone],
        ).fetchone() == (0,), "an unchanged household got a new version"
