"""Every figure a share publishes follows from the counts it publishes: the attack that recovered exact counts
from rates, intervals, ratios, shares of a total and Jaccard indices, run on the built borough's sharing outputs.

Rule guarded (macros/statistics.sql applied to published counts in models/sharing): an outsider holding a
share's rows tries every count the rounding rule allows for each published count (r - 2 .. r + 2 for rounding to
5, never a suppressed value) against every figure published beside it, recomputed with the published formulas
(Wilson score intervals, Katz log intervals) to the published precision. A figure computed from the unrounded count
singles out one count (the true one); a figure computed from the published count is consistent with the published
count itself, so the attacker learns nothing beyond the rounding. The test fails on every count the figures single
out as another value, or contradict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_project import Workspace

Z = 1.959963984540054


def _wilson(x: np.ndarray, n: np.ndarray, upper: bool) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = p + Z * Z / (2 * n)
        spread = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
        bound = (centre + spread if upper else centre - spread) / (1 + Z * Z / n)
        bound = np.minimum(bound, 1.0) if upper else np.maximum(bound, 0.0)
    return np.where((n > 0) & (x >= 0) & (x <= n), 1000 * bound, np.nan)


def _katz(users: np.ndarray, known: np.ndarray, residents: np.ndarray, total: np.ndarray, upper: bool) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (users / known) / (residents / total)
        spread = Z * np.sqrt(1 / users - 1 / known + 1 / residents - 1 / total)
        return np.where(users > 0, np.exp(np.log(ratio) + (spread if upper else -spread)), np.nan)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / b, np.nan)


@dataclass(frozen=True)
class Figure:
    """Published columns computed from some counts of the row (varied by the attacker) and public columns."""

    counts: tuple[str, ...]
    public: tuple[str, ...]
    columns: dict[str, tuple[int, Callable[..., np.ndarray]]]  # column -> (decimals published, formula)


def rate(name: str, count: str, denominator: str, denominator_is_count: bool = False) -> Figure:
    counts, public = ((count, denominator), ()) if denominator_is_count else ((count,), (denominator,))
    return Figure(
        counts,
        public,
        {
            f"{name}_rate_per_1000": (2, lambda x, n: _divide(1000 * x, n)),
            f"{name}_rate_per_1000_ci_lower": (2, lambda x, n: _wilson(x, n, upper=False)),
            f"{name}_rate_per_1000_ci_upper": (2, lambda x, n: _wilson(x, n, upper=True)),
        },
    )


def share(column: str, part: str, total: str) -> Figure:
    return Figure((part, total), (), {column: (4, _divide)})


def jaccard(column: str, both: str, first: str, second: str) -> Figure:
    return Figure((both, first, second), (), {column: (4, lambda b, f, s: _divide(b, f + s - b))})


def representation() -> Figure:
    """The users' share (none for Not known, the row without census residents) and the representation ratio."""
    return Figure(
        ("users_count", "users_with_known_value_count"),
        ("resident_count", "residents_total_count"),
        {
            "users_share": (4, lambda u, k, r, t: np.where(np.isnan(r), np.nan, _divide(u, k))),
            "representation_ratio": (3, lambda u, k, r, t: _divide(_divide(u, k), _divide(r, t))),
            "representation_ratio_ci_lower": (3, lambda u, k, r, t: _katz(u, k, r, t, upper=False)),
            "representation_ratio_ci_upper": (3, lambda u, k, r, t: _katz(u, k, r, t, upper=True)),
        },
    )


DEMAND = (
    rate("people_known", "people_known_count", "resident_count"),
    rate("households_known", "households_known_count", "household_count"),
)
# What the attacker knows of each share: its published formulas (the column descriptions say them).
FIGURES: dict[str, tuple[Figure, ...]] = {
    "share_borough_service_demand": DEMAND,
    "share_ward_service_demand": DEMAND,
    "share_lsoa_service_demand": DEMAND,
    "share_ward_community_safety_demand": (
        *DEMAND,
        share("households_with_other_needs_share", "households_with_other_needs_count", "households_known_count"),
    ),
    "share_ward_multiple_needs": (rate("multiple_needs", "multiple_needs_households_count", "household_count"),),
    "share_imd_decile_multiple_needs": (rate("multiple_needs", "multiple_needs_households_count", "household_count"),),
    "share_segment_multiple_needs": (
        rate("multiple_needs", "multiple_needs_households_count", "linked_household_count", denominator_is_count=True),
    ),
    "share_ward_financial_vulnerability": (
        rate("vulnerable_known_to_any", "vulnerable_known_to_any_count", "household_count"),
        share(
            "vulnerable_share_known_to_any", "vulnerable_known_to_any_count", "financially_vulnerable_households_count"
        ),
    ),
    "share_service_overlap": (
        jaccard(
            "jaccard_index",
            "households_known_to_both_count",
            "first_service_households_count",
            "second_service_households_count",
        ),
        share(
            "first_service_share_also_known_to_second",
            "households_known_to_both_count",
            "first_service_households_count",
        ),
        share(
            "second_service_share_also_known_to_first",
            "households_known_to_both_count",
            "second_service_households_count",
        ),
    ),
    "share_service_equalities": (representation(),),
}


@pytest.fixture(scope="module")
def shares(built_borough: Workspace) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'sharing'"
            ).fetchall()
        }
        return {table: con.execute(f"select * from sharing.{table}").df() for table in FIGURES if table in present}


def _candidates(published: pd.Series, base: pd.Series, threshold: pd.Series) -> list[np.ndarray]:
    """The counts that publish as shown under each row's rule, one array per offset from the published count (NaN
    where that offset's count would be rounded to another value, or suppressed)."""
    shown, base, threshold = (s.to_numpy(dtype=float) for s in (published, base, threshold))
    out = []
    for offset in range(-int(base.max()), int(base.max()) + 1):
        value = shown + offset
        fits = (np.floor((value + base / 2) / base) * base == shown) & ((value == 0) | (value > threshold))
        out.append(np.where(fits, value, np.nan))
    return out


def _attack(rows: pd.DataFrame, figure: Figure) -> dict[str, list[set[float]]]:
    """Per row and varied count, the values consistent with every figure column published beside them."""
    published = [rows[count] for count in figure.counts]
    grids = [_candidates(values, rows["rounding_base"], rows["suppress_up_to"]) for values in published]
    possible: dict[str, list[set[float]]] = {count: [set() for _ in range(len(rows))] for count in figure.counts}
    public = [rows[column].to_numpy(dtype=float) for column in figure.public]
    for combination in product(*grids):
        consistent = np.all([~np.isnan(values) for values in combination], axis=0)
        for column, (decimals, formula) in figure.columns.items():
            predicted = formula(*combination, *public)
            shown = rows[column].to_numpy(dtype=float)
            both_null = np.isnan(predicted) & np.isnan(shown)
            close = np.abs(predicted - shown) <= 0.5 * 10.0**-decimals + 1e-9
            consistent &= both_null | np.nan_to_num(close, nan=False).astype(bool)
        for count, values in zip(figure.counts, combination, strict=True):
            for row in np.flatnonzero(consistent):
                possible[count][row].add(values[row])
    return possible


@pytest.mark.parametrize("table", sorted(FIGURES))
def test_published_figures_give_back_no_more_than_the_rounded_counts(
    table: str, shares: dict[str, pd.DataFrame]
) -> None:
    assert table in shares, f"{table} is not in the warehouse: a service or partner dashboard has no share to read"
    rows = shares[table]
    rows = rows[np.all([rows[c].notna() for f in FIGURES[table] for c in f.counts], axis=0)].reset_index(drop=True)
    assert len(rows), f"{table}: no row publishes every count its figures use"
    leaks, attacked = [], 0
    for figure in FIGURES[table]:
        for count, possible in _attack(rows, figure).items():
            for row, values in enumerate(possible):
                attacked += 1
                shown = rows.at[row, count]
                if shown not in values:
                    leaks.append(
                        f"{count} published {shown:.0f}, the figures give {sorted(int(v) for v in values) or 'no count'}"
                    )
    assert attacked
    assert not leaks, (
        f"{table}: the figures beside {len(leaks)} of {attacked} published counts rule the published "
        f"count out (they were computed from another), e.g. {leaks[:3]}"
    )
