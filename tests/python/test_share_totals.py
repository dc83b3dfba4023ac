"""No withheld cell is recoverable from the totals two shares constrain together: the differencing attack across
the service demand family's tables, on the built borough's sharing outputs.

Rules guarded (models/sharing/disclosure/sdc_service_demand__suppressed.sql): the adversary holds every share
released under one commission and rule, takes each published (rounded) count as known, and knows the structure of
the counting:
- a ward's people known to a service are its monthly first contacts plus those whose first contact is outside the
  trend window (share_ward_service_demand against share_ward_service_first_contacts);
- a service's users with a known value of a characteristic are the sum of its categories, and with Not known they
  are everyone the service knows: the borough's located people (share_borough_service_demand) plus those not
  located (share_service_equalities);
- a service's households (share_service_overlap) are those also known to the other service of each pair plus
  those not, and the located households plus those not located;
- the borough is the sum of its wards.
A count published nowhere (not located, outside the window, known to one service of a pair only) is unknown to the
adversary unless it is 0, which the test assumes they guess. A withheld cell is recovered when it takes the same
value in every solution of all these equations together (its entry is 0 in every null-space vector).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_project import Workspace

SHARES = (
    "share_borough_service_demand",
    "share_ward_service_demand",
    "share_ward_service_first_contacts",
    "share_service_equalities",
    "share_service_overlap",
)
MARTS = ("borough_service_demand", "ward_service_demand", "ward_service_first_contacts", "service_overlap")


@pytest.fixture(scope="module")
def tables(built_borough: Workspace) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'sharing'"
            ).fetchall()
        }
        missing = [name for name in SHARES if name not in present]
        assert not missing, f"no disclosure-controlled share of {missing}: their dashboards read the marts"
        return {
            **{name: con.execute(f"select * from sharing.{name}").df() for name in SHARES},
            **{name: con.execute(f"select * from marts.{name}").df() for name in MARTS},
        }


def _published(frame: pd.DataFrame, key: Callable, column: str, cells: dict) -> None:
    """Record each row's count: its value, or None when withheld."""
    for row in frame.itertuples(index=False):
        value = getattr(row, column)
        cells[key(row)] = None if getattr(row, f"{column}_status") == "[c]" else value


def _equations(tables: dict[str, pd.DataFrame], commission: str, threshold: int) -> tuple[list[dict], dict]:
    """The adversary's equations (cell -> coefficient, summing to 0) and what they know of each cell."""

    def rows(name: str) -> pd.DataFrame:
        frame = tables[name]
        return frame[(frame.commission_id == commission) & (frame.suppress_up_to == threshold)].drop_duplicates(
            subset=[c for c in frame.columns if c not in ("recipient_type", "approval_id", "disclosure_rule_id")]
        )

    known: dict = {}
    _published(
        rows("share_ward_service_demand"),
        lambda r: ("people", r.service_code, r.ward_code),
        "people_known_count",
        known,
    )
    _published(
        rows("share_borough_service_demand"), lambda r: ("people", r.service_code, None), "people_known_count", known
    )
    _published(
        rows("share_borough_service_demand"),
        lambda r: ("households", r.service_code, None),
        "households_known_count",
        known,
    )
    _published(
        rows("share_ward_service_first_contacts"),
        lambda r: ("first_contacts", r.service_code, r.ward_code, str(r.month_start_date)[:10]),
        "first_contacts_count",
        known,
    )
    equalities = rows("share_service_equalities")
    _published(
        equalities,
        lambda r: ("users", r.service_code, r.characteristic, None if pd.isna(r.category_code) else r.category_code),
        "users_count",
        known,
    )
    _published(
        equalities, lambda r: ("users_known", r.service_code, r.characteristic), "users_with_known_value_count", known
    )
    overlap = rows("share_service_overlap")
    _published(overlap, lambda r: ("households_all", r.first_service_code), "first_service_households_count", known)
    _published(overlap, lambda r: ("households_all", r.second_service_code), "second_service_households_count", known)
    _published(
        overlap,
        lambda r: ("both", r.first_service_code, r.second_service_code),
        "households_known_to_both_count",
        known,
    )

    # counts published nowhere: known to the adversary only when 0
    marts = {name: tables[name][tables[name].commission_id == commission] for name in MARTS}
    hidden: dict = {}
    for row in marts["borough_service_demand"].itertuples(index=False):
        hidden[("people_not_located", row.service_code)] = row.not_located_people_count
        hidden[("households_not_located", row.service_code)] = row.households_known_count - row.located_households_count
    contacts = marts["ward_service_first_contacts"].dropna(subset=["ward_code"])
    by_ward = contacts.groupby(["service_code", "ward_code"]).first_contacts_count.sum().to_dict()
    for row in marts["ward_service_demand"].dropna(subset=["ward_code"]).itertuples(index=False):
        hidden[("outside_window", row.service_code, row.ward_code)] = row.people_known_count - by_ward.get(
            (row.service_code, row.ward_code), 0
        )
    for row in marts["service_overlap"].itertuples(index=False):
        hidden[("not_known_to", row.first_service_code, row.second_service_code)] = (
            row.first_service_households_count - row.households_known_to_both_count
        )
        hidden[("not_known_to", row.second_service_code, row.first_service_code)] = (
            row.second_service_households_count - row.households_known_to_both_count
        )
    known.update({cell: 0 for cell, value in hidden.items() if value == 0})
    for cell in hidden:
        known.setdefault(cell, None)
    for service in marts["borough_service_demand"].service_code:
        known.setdefault(("people_all", service), None)

    equations: list[dict] = []
    wards = defaultdict(list)
    for cell in known:
        if cell[0] == "people" and cell[2] is not None:
            wards[cell[1]].append(cell)
    for service, cells in wards.items():
        equations.append({("people", service, None): 1, **{cell: -1 for cell in cells}})
        for cell in cells:
            months = [c for c in known if c[0] == "first_contacts" and c[1:3] == cell[1:3]]
            equations.append({cell: 1, ("outside_window", *cell[1:]): -1, **{month: -1 for month in months}})
    for cell in [c for c in known if c[0] == "users_known"]:
        service, characteristic = cell[1:]
        categories = [c for c in known if c[0] == "users" and c[1:3] == (service, characteristic)]
        equations.append({cell: 1, **{c: -1 for c in categories if c[3] is not None}})
        equations.append({("people_all", service): 1, cell: -1, **{c: -1 for c in categories if c[3] is None}})
    for service in {c[1] for c in known if c[0] == "users_known"}:
        equations.append(
            {("people_all", service): 1, ("people", service, None): -1, ("people_not_located", service): -1}
        )
    for cell in [c for c in known if c[0] == "not_known_to"]:
        first, second = cell[1:]
        both = ("both", *sorted((first, second)))
        if both in known:
            equations.append({("households_all", first): 1, both: -1, cell: -1})
    for service in {c[1] for c in known if c[0] == "households_all"}:
        equations.append(
            {("households_all", service): 1, ("households", service, None): -1, ("households_not_located", service): -1}
        )
    return equations, known


def _determined(equations: list[dict], known: dict) -> tuple[list, int]:
    """Withheld cells every solution agrees on, and how many withheld cells the equations reach."""
    unknown_equations = [
        {cell: coefficient for cell, coefficient in equation.items() if known.get(cell) is None}
        for equation in equations
    ]
    unknown_equations = [equation for equation in unknown_equations if equation]
    parent: dict = {}

    def find(cell):
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in unknown_equations:
        first, *rest = equation
        for cell in rest:
            parent[find(cell)] = find(first)
    blocks: dict = defaultdict(list)
    for equation in unknown_equations:
        blocks[find(next(iter(equation)))].append(equation)
    determined, reached = [], 0
    for block in blocks.values():
        cells = sorted({cell for equation in block for cell in equation}, key=repr)
        index = {cell: i for i, cell in enumerate(cells)}
        matrix = np.zeros((len(block), len(cells)))
        for row, equation in enumerate(block):
            for cell, coefficient in equation.items():
                matrix[row, index[cell]] = coefficient
        _, singular, vt = np.linalg.svd(matrix)
        null_space = vt[int((singular > 1e-9).sum()) :]
        for cell, i in index.items():
            if cell[0] in (
                "outside_window",
                "people_not_located",
                "households_not_located",
                "not_known_to",
                "people_all",
            ):
                continue  # published nowhere: the question is whether a withheld published cell comes out
            reached += 1
            if null_space.shape[0] == 0 or np.allclose(null_space[:, i], 0.0, atol=1e-9):
                determined.append(cell)
    return determined, reached


def test_no_withheld_cell_is_recovered_from_totals_two_shares_constrain(tables: dict[str, pd.DataFrame]) -> None:
    partitions = tables["share_ward_service_demand"][["commission_id", "suppress_up_to"]].drop_duplicates()
    reached_total = 0
    for commission, threshold in partitions.itertuples(index=False):
        if not len(
            tables["share_ward_service_first_contacts"].query(
                "commission_id == @commission and suppress_up_to == @threshold"
            )
        ):
            continue  # no recipient under this rule gets the cross-table shares
        equations, known = _equations(tables, commission, threshold)
        determined, reached = _determined(equations, known)
        reached_total += reached
        assert not determined, (
            f"{commission}/{threshold}: {len(determined)} withheld cells recovered by "
            f"differencing across shares, e.g. {determined[:3]}"
        )
    assert reached_total, "no withheld cell took part in a cross-table total"
