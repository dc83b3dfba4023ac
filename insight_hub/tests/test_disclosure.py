"""What leaves the Hub is disclosure-controlled: proved on the built borough's
sharing outputs (models/marts/sharing), not on the macros' intentions.

Rules guarded:
- no published count lies between 1 and the recipient's threshold, and every
  count is a multiple of its rounding base;
- a withheld count is null and marked [c] (never 0), and every rate,
  interval and comparison computed from it is withheld too;
- no withheld count can be recovered by differencing: in every additive
  constraint the outputs satisfy (LSOAs within their ward, wards within the
  borough, bands within a household total), no withheld cell is the only
  unknown; and no withheld cell is determined by all the constraints
  together (linear algebra on the whole system, which catches chains of
  differences). The adversary holds every table released under the same
  commission and rule (recipients may share), knows that an LSOA absent
  from a table is 0, and derives every total a published rate reveals (a
  borough benchmark rate times its public census denominator; the ratio of
  two totals);
- the outputs of one family agree: a cell published in one table is not
  withheld in another, for the same commission and rule;
- outputs go only to approved, in-date recipients, and commercially licensed
  outputs only to recipients the licence clears;
- secondary suppression converged on the real outputs (its dbt test passed).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pytest

from insight_hub.tests.dbt_project import Workspace

MARKER = "[c]"
SHARES = (
    "share_borough_service_demand", "share_ward_service_demand", "share_lsoa_service_demand",
    "share_ward_community_safety_demand", "share_ward_multiple_needs", "share_segment_multiple_needs",
    "share_imd_decile_multiple_needs", "share_ward_financial_vulnerability", "share_service_overlap",
    "share_service_equalities", "share_ward_service_first_contacts",
)
NEEDS_BANDS = ("known_to_1_service_count", "known_to_2_services_count", "known_to_3_services_count",
               "known_to_4_plus_services_count")
MULTIPLE_BANDS = NEEDS_BANDS[1:]

Cell = tuple  # (family, measure, service, level, area)


@dataclass
class Partition:
    """What a recipient (or recipients under the same rule) of one commission can see."""

    threshold: int
    published: dict[Cell, int | None] = field(default_factory=dict)  # None: withheld
    sources: dict[Cell, str] = field(default_factory=dict)
    revealed: set[Cell] = field(default_factory=set)  # totals a published rate gives away
    ratios: list[list[tuple[Cell, float]]] = field(default_factory=list)  # a - r * b = 0, r published


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[dict]:
    cursor = con.execute(f"select * from {relation}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _count_columns(row: dict) -> list[str]:
    return [name for name in row if name.endswith("_count") and f"{name}_status" in row]


def _cells(table: str, row: dict) -> list[tuple[Cell, str]]:
    """Each published count of a sharing row, as (cell identity, column)."""
    if table in ("share_borough_service_demand", "share_ward_service_demand", "share_lsoa_service_demand"):
        level, area = {"share_borough_service_demand": ("borough", None),
                       "share_ward_service_demand": ("ward", row.get("ward_code")),
                       "share_lsoa_service_demand": ("lsoa", row.get("lsoa21_code"))}[table]
        return [(("demand", column.removesuffix("_known_count"), row["service_code"], level, area), column)
                for column in ("people_known_count", "households_known_count")] + _borough_cells(row, row["service_code"])
    if table == "share_ward_community_safety_demand":
        return [(("demand", "people", "community_safety", "ward", row["ward_code"]), "people_known_count"),
                (("demand", "households", "community_safety", "ward", row["ward_code"]), "households_known_count"),
                (("other_needs", "households_with_other_needs_count", "community_safety", "ward", row["ward_code"]),
                 "households_with_other_needs_count")] + _borough_cells(row, "community_safety")
    if table in ("share_ward_multiple_needs", "share_imd_decile_multiple_needs"):
        level, area = ("ward", row["ward_code"]) if table == "share_ward_multiple_needs" else ("imd_decile", row["imd_decile"])
        return [(("needs", column.removeprefix("borough_"), None, "borough", None) if column.startswith("borough_")
                 else ("needs", column, None, level, area), column) for column in _count_columns(row)]
    if table == "share_segment_multiple_needs":  # its borough counts: the ratio _record_benchmarks records
        return [(("segment", column, None, "segment", row["segment_group_code"]), column)
                for column in _count_columns(row) if not column.startswith("borough_")]
    if table == "share_ward_financial_vulnerability":
        return [(("vulnerability", column.removeprefix("borough_"), None, "borough", None) if column.startswith("borough_")
                 else ("vulnerability", column, None, "ward", row["ward_code"]), column) for column in _count_columns(row)]
    if table == "share_service_overlap":
        return [(("overlap", "households", row["first_service_code"], "all", None), "first_service_households_count"),
                (("overlap", "households", row["second_service_code"], "all", None), "second_service_households_count"),
                (("overlap", "both", row["first_service_code"], "all", row["second_service_code"]),
                 "households_known_to_both_count")]
    if table == "share_service_equalities":
        return [(("equalities", "users", row["service_code"], row["characteristic"], row["category_code"]), "users_count"),
                (("equalities", "users_known", row["service_code"], row["characteristic"], None),
                 "users_with_known_value_count")]
    if table == "share_ward_service_first_contacts":
        return [(("first_contacts", str(row["month_start_date"]), row["service_code"], "ward", row["ward_code"]),
                 "first_contacts_count")]
    raise AssertionError(f"no cell mapping for {table}")


def _borough_cells(row: dict, service: str) -> list[tuple[Cell, str]]:
    """The borough counts a demand share publishes beside an area's (the benchmark's numerators)."""
    return [(("demand", measure, service, "borough", None), f"borough_{measure}_known_count")
            for measure in ("people", "households") if f"borough_{measure}_known_count" in row]


@pytest.fixture(scope="module")
def shared(built_borough: Workspace) -> dict[str, list[dict]]:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        return {table: _rows(con, f"marts.{table}") for table in SHARES}


@pytest.fixture(scope="module")
def marts(built_borough: Workspace) -> dict[str, list[dict]]:
    """The unrounded marts: the structure of each table and the totals an adversary might know."""
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        return {table: _rows(con, f"marts.{table}") for table in (
            "ward_service_demand", "lsoa_service_demand", "ward_community_safety_demand",
            "ward_multiple_needs", "segment_multiple_needs", "dim_lsoa")}


@pytest.fixture(scope="module")
def partitions(shared: dict[str, list[dict]]) -> dict[tuple[str, int], Partition]:
    """Published cells per commission and threshold: every recipient under one rule is assumed to share."""
    found: dict[tuple[str, int], Partition] = {}
    for table, rows in shared.items():
        for row in rows:
            partition = found.setdefault((row["commission_id"], row["suppress_up_to"]), Partition(row["suppress_up_to"]))
            for cell, column in _cells(table, row):
                value = None if row[f"{column}_status"] == MARKER else row[column]
                if cell in partition.published:
                    assert (partition.published[cell] is None) == (value is None), (
                        f"{cell} is withheld in one table and published in another "
                        f"({partition.sources[cell]}, {table}): the tables of a family disagree")
                partition.published[cell] = value
                partition.sources[cell] = table
            _record_benchmarks(partition, table, row)
    return found


def _record_benchmarks(partition: Partition, table: str, row: dict) -> None:
    """Borough totals a row's published benchmark rate gives away: the benchmark times the borough's census
    denominator (public) is the total; for segments, whose denominator is itself a count, the rate ties the two
    totals together."""
    if table in ("share_ward_service_demand", "share_lsoa_service_demand", "share_ward_community_safety_demand"):
        service = row.get("service_code", "community_safety")
        for measure in ("people", "households"):
            if row[f"borough_{measure}_known_rate_per_1000"] is not None:
                partition.revealed.add(("demand", measure, service, "borough", None))
    elif table == "share_ward_multiple_needs" and row["borough_multiple_needs_rate_per_1000"] is not None:
        partition.revealed.add(("needs", "multiple_needs_households_count", None, "borough", None))
    elif table == "share_segment_multiple_needs" and row["borough_multiple_needs_rate_per_1000"] is not None:
        equation = [(("segment", "multiple_needs_households_count", None, "borough", None), 1.0),
                    (("segment", "linked_household_count", None, "borough", None),
                     -row["borough_multiple_needs_rate_per_1000"] / 1000.0)]
        if equation not in partition.ratios:
            partition.ratios.append(equation)


def test_every_approved_output_was_shared(shared: dict[str, list[dict]]) -> None:
    for table, rows in shared.items():
        assert rows, f"{table} is empty: the test borough has an in-date approval for it"
        assert all(row["approval_id"] and row["recipient_type"] for row in rows)


def test_no_small_count_and_every_count_rounded(shared: dict[str, list[dict]]) -> None:
    published = withheld = 0
    for table, rows in shared.items():
        for row in rows:
            for column in _count_columns(row):
                value, status = row[column], row[f"{column}_status"]
                if status == MARKER:
                    assert value is None, f"{table}.{column}: a withheld count has a value"
                    withheld += 1
                    continue
                assert status is None, f"{table}.{column}: unknown status {status!r}"
                assert value is not None, f"{table}.{column}: a null count is not marked {MARKER}"
                assert not 1 <= value <= row["suppress_up_to"], f"{table}.{column} = {value} is a small count"
                assert value % row["rounding_base"] == 0, f"{table}.{column} = {value} is not rounded"
                published += 1
    assert published and withheld, "the small borough should publish some counts and withhold others"


def test_zero_is_published_as_zero(shared: dict[str, list[dict]], marts: dict[str, list[dict]]) -> None:
    """A true zero reads as 0, never as withheld: only non-zero counts are suppressed."""
    true_counts = {(row["service_code"], row["ward_code"]): row["people_known_count"]
                   for row in marts["ward_service_demand"] if row["ward_code"]}
    zeros = [row for row in shared["share_ward_service_demand"] if true_counts[(row["service_code"], row["ward_code"])] == 0]
    assert all(row["people_known_count"] == 0 and row["people_known_count_status"] is None for row in zeros)


# the columns computed from each count, by prefix (rates, intervals, ratios, comparisons, shares)
DEPENDENT_PREFIXES = {
    "people_known_count": ("people_known_",),
    "households_known_count": ("households_known_", "households_with_other_needs_share"),
    "households_with_other_needs_count": ("households_with_other_needs_share",),
    "multiple_needs_households_count": ("multiple_needs_",),
    "linked_household_count": ("multiple_needs_",),
}


def test_rates_are_withheld_with_their_count(shared: dict[str, list[dict]]) -> None:
    checked = 0
    for table, rows in shared.items():
        for row in rows:
            counts = _count_columns(row)
            for column in counts:
                if row[f"{column}_status"] != MARKER:
                    continue
                for name in row:
                    if (name.startswith(DEPENDENT_PREFIXES.get(column, ("-",))) and name not in counts
                            and not name.endswith("_status")):
                        assert row[name] is None, f"{table}.{name} is published although {column} is withheld"
                        checked += 1
    assert checked, "no withheld count had a rate to check"


def _constraints(partition: Partition, marts: dict[str, list[dict]]) -> list[list[Cell]]:
    """Every additive constraint the published tables satisfy: [total, part, part, ...]."""
    cells = partition.published
    constraints: list[list[Cell]] = []
    ward_of = {row["lsoa21_code"]: row["ward_code"] for row in marts["dim_lsoa"]}
    wards = sorted({row["ward_code"] for row in marts["dim_lsoa"]})
    services = sorted({cell[2] for cell in cells if cell[0] == "demand"})
    for service in services:
        for measure in ("people", "households"):
            ward_cells = [("demand", measure, service, "ward", ward) for ward in wards]
            constraints.append([("demand", measure, service, "borough", None), *ward_cells])
            lsoas = defaultdict(list)
            for cell in cells:
                if cell[:4] == ("demand", measure, service, "lsoa"):
                    lsoas[ward_of[cell[4]]].append(cell)
            if any(cell[:4] == ("demand", measure, service, "lsoa") for cell in cells):
                for ward in wards:
                    constraints.append([("demand", measure, service, "ward", ward), *lsoas[ward]])
    constraints.append([("other_needs", "households_with_other_needs_count", "community_safety", "borough", None),
                        *[("other_needs", "households_with_other_needs_count", "community_safety", "ward", ward)
                          for ward in wards]])
    for family, level, areas in (("needs", "ward", wards),
                                 ("segment", "segment", sorted({c[4] for c in cells if c[0] == "segment"}))):
        measures = ["households_known_count", *NEEDS_BANDS, "multiple_needs_households_count"]
        if family == "segment":
            measures.append("linked_household_count")
        for area in [None, *areas]:
            where = "borough" if area is None else level
            constraints.append([(family, "households_known_count", None, where, area),
                                *[(family, band, None, where, area) for band in NEEDS_BANDS]])
            constraints.append([(family, "multiple_needs_households_count", None, where, area),
                                *[(family, band, None, where, area) for band in MULTIPLE_BANDS]])
        for measure in measures:
            constraints.append([(family, measure, None, "borough", None), *[(family, measure, None, level, a) for a in areas]])
    return constraints


def _unknowns(partition: Partition, constraint: list[tuple[Cell, float]]) -> list[tuple[Cell, float]]:
    """The members of a constraint the adversary does not know: withheld cells, and cells in no table (borough
    totals no table publishes) unless a rate reveals them or they are a true zero (an LSOA absent from its
    table)."""
    unknown = []
    for cell, coefficient in constraint:
        if cell in partition.published:
            if partition.published[cell] is None:
                unknown.append((cell, coefficient))
        elif cell[3] != "lsoa" and cell not in partition.revealed:
            unknown.append((cell, coefficient))
    return unknown


def _equations(partition: Partition, marts: dict[str, list[dict]]) -> list[list[tuple[Cell, float]]]:
    """Every linear equation the adversary can write, restricted to its unknowns (coefficient +1 for a total,
    -1 for a part, the published ratio for a rate)."""
    signed = [[(cell, 1.0 if position == 0 else -1.0) for position, cell in enumerate(constraint)]
              for constraint in _constraints(partition, marts)]
    return [unknown for unknown in (_unknowns(partition, eq) for eq in signed + partition.ratios) if unknown]


def test_no_withheld_cell_is_alone_in_a_total(partitions: dict, marts: dict[str, list[dict]]) -> None:
    """Differencing: a total less its other parts (or the sum of the parts) recovers a cell withheld alone."""
    recoverable = []
    for (commission, threshold), partition in partitions.items():
        for unknown in _equations(partition, marts):
            if len(unknown) == 1 and partition.published.get(unknown[0][0], 0) is None:
                recoverable.append(f"{commission}/{threshold}: {unknown[0][0]}")
    assert not recoverable, f"{len(recoverable)} withheld cells recoverable by differencing, e.g. {recoverable[:3]}"


def test_no_withheld_cell_is_determined_by_all_totals_together(partitions: dict, marts: dict[str, list[dict]]) -> None:
    """Linear algebra over every equation at once: a withheld cell is recoverable when it is the same in every
    solution of the system, i.e. when its entry in every null-space vector of the system's matrix (restricted
    to the unknowns) is 0."""
    determined, withheld_total = [], 0
    for (commission, threshold), partition in partitions.items():
        equations = _equations(partition, marts)
        # independent blocks: equations linked by a shared unknown
        parent: dict[Cell, Cell] = {}

        def find(cell: Cell) -> Cell:
            while parent.setdefault(cell, cell) != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for equation in equations:
            for cell, _ in equation[1:]:
                parent[find(cell)] = find(equation[0][0])
        blocks: dict[Cell, list[list[tuple[Cell, float]]]] = defaultdict(list)
        for equation in equations:
            blocks[find(equation[0][0])].append(equation)
        for block in blocks.values():
            cells = sorted({cell for equation in block for cell, _ in equation}, key=repr)
            index = {cell: i for i, cell in enumerate(cells)}
            matrix = np.zeros((len(block), len(cells)))
            for row, equation in enumerate(block):
                for cell, coefficient in equation:
                    matrix[row, index[cell]] = coefficient
            _, singular, vt = np.linalg.svd(matrix)
            null_space = vt[int((singular > 1e-9).sum()):]
            for cell, i in index.items():
                if partition.published.get(cell, 0) is not None:
                    continue  # an unpublished total: recovering it discloses no withheld cell by itself
                withheld_total += 1
                if null_space.shape[0] == 0 or np.allclose(null_space[:, i], 0.0, atol=1e-9):
                    determined.append(f"{commission}/{threshold}: {cell}")
    assert withheld_total, "no withheld cells to check"
    assert not determined, f"{len(determined)} withheld cells determined by the totals, e.g. {determined[:3]}"


def test_secondary_suppression_converged(built_borough: Workspace) -> None:
    """Each suppression family's convergence test (no constraint left with a single withheld cell after the
    last pass), run again here on the built warehouse from its compiled SQL."""
    manifest = json.loads(Path(built_borough.target, "manifest.json").read_text())
    tests = [node for node in manifest["nodes"].values()
             if node["resource_type"] == "test" and node["name"].endswith("__suppressed_is_converged")]
    assert len(tests) == 3, "each suppression family has a convergence test"
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        for node in tests:
            sql = node.get("compiled_code") or Path(built_borough.target, "compiled", "insight_hub",
                                                      node["original_file_path"], node["path"]).read_text()
            (unconverged,) = con.execute(f"select count(*) from ({sql}) as unconverged").fetchone()
            assert unconverged == 0, f"{node['name']}: secondary suppression did not converge"


def test_outputs_go_only_to_approved_and_licence_cleared_recipients(shared: dict[str, list[dict]], built_borough: Workspace) -> None:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        approvals = {row[0]: row[1:] for row in con.execute(
            "select approval_id, recipient_type, commission_id, output_model from governance.sharing_approvals"
        ).fetchall()}
        cleared = {row[0] for row in con.execute(
            "select recipient_type from governance.licence_clearances "
            "where source_name = 'demograph.household_segments_postcode'").fetchall()}
    for table, rows in shared.items():
        for row in rows:
            recipient, commission, output = approvals[row["approval_id"]]
            assert (row["recipient_type"], row["commission_id"], "share_" + output) == (recipient, commission, table)
    assert {row["recipient_type"] for row in shared["share_segment_multiple_needs"]} <= cleared


def test_sharing_outputs_hold_no_person_level_keys(shared: dict[str, list[dict]]) -> None:
    for table, rows in shared.items():
        assert not [c for c in rows[0] if c.endswith(("_token", "_key"))], table


def test_every_sharing_model_runs_disclosure_safe(built_borough: Workspace) -> None:
    manifest = json.loads(Path(built_borough.target, "manifest.json").read_text())
    sharing = {node["unique_id"] for node in manifest["nodes"].values()
               if node["resource_type"] == "model" and "sharing" in node["fqn"]
               and node["config"]["materialized"] != "ephemeral"}
    tested = {parent for node in manifest["nodes"].values()
              if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") == "disclosure_safe"
              for parent in node["depends_on"]["nodes"]}
    assert sharing == {f"model.insight_hub.{name}" for name in SHARES}, "a sharing model is missing from SHARES"
    assert sharing <= tested, f"sharing models without disclosure_safe: {sorted(sharing - tested)}"
