"""Attack exported shares as an outsider would, from the exported files alone.

    python -m insight_hub.disclosure_attack <export folder> [<export folder of the previous build> ...]

Each folder is what one build exported: a folder holding
``<recipient>/<commission>/manifest.json`` (as ``exports/``), or one such
recipient folder. Later arguments are earlier builds. The attacker reads:

- the CSV and Parquet file of every output each manifest lists (both, and
  they must agree);
- the published rule each row carries (``suppress_up_to``, ``rounding_base``):
  a published count is 0 or above the threshold and is the true count rounded
  to the nearest base, halves up; a withheld count is at least 1 (zeros are
  never withheld);
- public facts the files carry: census denominators, the ward and IMD decile
  of each LSOA; and what the README documents: which totals add up, which
  services are universal (``seeds/reference/services.csv``, public reference
  data);
- everything exported to recipients under one rule (commission and
  ``disclosure_rule_id``): they may pool what they receive.

Three attacks:

1. **Each published count from the columns it ships with.** Every integer the
   rounding rule allows is tried against every column derived from the count
   (rates per 1,000 and their Wilson intervals, benchmark rates, ratios,
   comparisons, shares, Jaccard indices, representation ratios and Katz
   intervals), as if the column were computed from the true count, until no
   candidate set shrinks. A count is recovered when one candidate fits, and
   leaks when that value is not the published one (which is what the rule
   releases). Totals no file publishes (a borough benchmark) are recovered
   from the rate that reveals them.
2. **Each withheld count from every combination of totals.** Every linear
   relation the documentation implies (areas within their parent area, across
   families of the same measure, bands within their total, the linear derived
   columns) is written over all the pool's files, published counts as their
   rounding range (narrowed by attack 1 when the files turn out to be computed
   from true counts), withheld counts as at least 1; HiGHS (scipy) gives each
   count's minimum and maximum, block by independent block. A withheld count
   is exposed when one integer is feasible.
3. **A change of one person.** For two successive builds, the range of (later
   - earlier) of every count both publish or withhold; exposed when exact
   (both builds publishing 0 aside).

Exit status: 0 when nothing comes out exact beyond what the rounding rule
releases, 1 when something does (each finding printed), 2 when the files
cannot be attacked (one line: a missing or disagreeing file, a share this
module has no attack for, files contradicting the relations).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import math
import string
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import SupportsIndex

import highspy
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVICES_REFERENCE = PROJECT_ROOT / "seeds" / "reference" / "services.csv"
MARKER = "[c]"
Z = 1.959963984540054  # the two-sided 95% normal quantile the marts use
# A published value of d decimals stands for anything within half a unit of its last place; the
# small slack keeps float noise from rejecting the true count.
SLACK = 1e-9
# Candidates for a total no file publishes are enumerated only when a rate pins it this closely.
MAX_REVEALED_CANDIDATES = 1000
# An LP range of two integers is confirmed by integer programming (could only one of them be feasible?).
MILP_WIDTH = 1


class AttackError(Exception):
    """The files cannot be attacked; the message is the one-line reason."""


# --------------------------------------------------------------------------------------------------
# What each share publishes: its counts (as cells, identified across files) and the columns derived
# from them. A cell is 'family|measure|level|area'.

Coefficient = float | str | Callable[[pd.DataFrame], np.ndarray]
Formula = Callable[[list[np.ndarray], pd.DataFrame], np.ndarray]


def _coefficient(value: Coefficient, rows: pd.DataFrame) -> np.ndarray:
    if callable(value):
        return np.asarray(value(rows), dtype=float)
    if isinstance(value, str):
        return rows[value].to_numpy(dtype=float)
    return np.full(len(rows), float(value))


@dataclass(frozen=True)
class Derived:
    """A column computed from counts (`counts`: count columns of the row, or cell templates).

    Linear derived columns are (sum of numerator coefficient x count) / (sum of denominator
    coefficient x count + constant); others give their `formula`. `decimals` is the published
    precision; None for a label."""

    column: str
    counts: tuple[str, ...]
    decimals: int | None = None
    numerator: tuple[tuple[int, Coefficient], ...] = ()
    denominator: tuple[tuple[int, Coefficient], ...] = ()
    constant: Coefficient = 0.0
    formula: Formula | None = None

    @property
    def is_linear(self) -> bool:
        return self.formula is None

    def values(self, counts: list[np.ndarray], rows: pd.DataFrame) -> np.ndarray:
        if self.formula is not None:
            return self.formula(counts, rows)
        numerator = sum(_coefficient(c, rows) * counts[i] for i, c in self.numerator)
        denominator = sum(
            (_coefficient(c, rows) * counts[i] for i, c in self.denominator), _coefficient(self.constant, rows)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, numerator / denominator, np.nan)


def _rate(column: str, count: str, population: Coefficient) -> Derived:
    """round(1000 * count / population, 2)."""
    return Derived(column, (count,), 2, numerator=((0, 1000.0),), constant=population)


def _quotient(column: str, count: str, of: str, decimals: int, scale: float = 1.0) -> Derived:
    """round(scale * count / of, decimals), both counts."""
    return Derived(column, (count, of), decimals, numerator=((0, scale),), denominator=((1, 1.0),))


def _rate_ratio(column: str, count: str, population: str, benchmark: str, benchmark_population: str) -> Derived:
    """round((count / population) / (benchmark / benchmark_population), 3)."""
    return Derived(
        column,
        (count, benchmark),
        3,
        numerator=((0, lambda rows: rows[benchmark_population] / rows[population]),),
        denominator=((1, 1.0),),
    )


def _jaccard(column: str, both: str, first: str, second: str) -> Derived:
    """round(both / (first + second - both), 4)."""
    return Derived(column, (both, first, second), 4, numerator=((0, 1.0),), denominator=((1, 1.0), (2, 1.0), (0, -1.0)))


def _representation_ratio(column: str, users: str, known: str, residents: str, total: str) -> Derived:
    """round((users / known) / (residents / total), 3)."""
    return Derived(
        column, (users, known), 3, numerator=((0, lambda rows: rows[total] / rows[residents]),), denominator=((1, 1.0),)
    )


def _wilson(x: np.ndarray, n: np.ndarray, bound: str) -> np.ndarray:
    """The Wilson score interval's bound for x / n, as macros/statistics.sql computes it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2 = Z * Z
        half = Z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        centre = p + z2 / (2 * n)
        value = (centre - half if bound == "lower" else centre + half) / (1 + z2 / n)
        value = np.maximum(value, 0.0) if bound == "lower" else np.minimum(value, 1.0)
    return np.where((n > 0) & (x >= 0) & (x <= n), value, np.nan)


def _round(values: np.ndarray, decimals: int) -> np.ndarray:
    """SQL round(): halves away from zero."""
    scale = 10.0**decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


def _compare(lower: np.ndarray, upper: np.ndarray, benchmark: np.ndarray, labels: tuple[str, str, str]) -> np.ndarray:
    """compared_with_benchmark: the interval above, below or around the benchmark."""
    higher, lower_label, similar = labels
    known = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark))
    label = np.where(lower > benchmark, higher, np.where(upper < benchmark, lower_label, similar))
    # None as the object array numpy makes of it (numpy's ArrayLike leaves out None on purpose)
    return np.where(known, label, np.array(None, dtype=object))


def _wilson_bound(
    column: str, bound: str, count: str, population: Coefficient | None = None, of: str | None = None
) -> Derived:
    """round(1000 * Wilson bound, 2) of count over a census population, or over another count (`of`)."""
    if of is not None:
        return Derived(column, (count, of), 2, formula=lambda xs, rows: 1000.0 * _wilson(xs[0], xs[1], bound))
    assert population is not None, f"{column}: a Wilson bound is over a census population or another count"
    return Derived(
        column, (count,), 2, formula=lambda xs, rows: 1000.0 * _wilson(xs[0], _coefficient(population, rows), bound)
    )


def _compared(column: str, count: str, population: str, benchmark: str, benchmark_population: str) -> Derived:
    def formula(xs: list[np.ndarray], rows: pd.DataFrame) -> np.ndarray:
        n, big_n = _coefficient(population, rows), _coefficient(benchmark_population, rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            reference = np.where(big_n > 0, xs[1] / big_n, np.nan)
        return _compare(
            _wilson(xs[0], n, "lower"), _wilson(xs[0], n, "upper"), reference, ("higher", "lower", "similar")
        )

    return Derived(column, (count, benchmark), formula=formula)


def _compared_of(column: str, count: str, of: str, benchmark: str, benchmark_of: str) -> Derived:
    def formula(xs: list[np.ndarray], rows: pd.DataFrame) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            reference = np.where(xs[3] > 0, xs[2] / xs[3], np.nan)
        return _compare(
            _wilson(xs[0], xs[1], "lower"), _wilson(xs[0], xs[1], "upper"), reference, ("higher", "lower", "similar")
        )

    return Derived(column, (count, of, benchmark, benchmark_of), formula=formula)


def _rate_ratio_of(column: str, count: str, of: str, benchmark: str, benchmark_of: str) -> Derived:
    """round((count / of) / (benchmark / benchmark_of), 3), all four counts."""

    def formula(xs: list[np.ndarray], rows: pd.DataFrame) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            ok = (xs[1] > 0) & (xs[2] > 0) & (xs[3] > 0)
            return np.where(ok, (xs[0] / xs[1]) / (xs[2] / xs[3]), np.nan)

    return Derived(column, (count, of, benchmark, benchmark_of), 3, formula=formula)


def _katz(users: np.ndarray, known: np.ndarray, residents: np.ndarray, total: np.ndarray, bound: str) -> np.ndarray:
    """The Katz log interval's bound for (users / known) / (residents / total)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (users > 0) & (known > 0) & (residents > 0) & (total > 0)
        ratio = (users / known) / (residents / total)
        spread = Z * np.sqrt(1.0 / users - 1.0 / known + 1.0 / residents - 1.0 / total)
        value = np.exp(np.log(ratio) - spread if bound == "lower" else np.log(ratio) + spread)
    return np.where(ok, value, np.nan)


def _katz_bound(column: str, bound: str, users: str, known: str, residents: str, total: str) -> Derived:
    return Derived(
        column,
        (users, known),
        3,
        formula=lambda xs, rows: _katz(xs[0], xs[1], _coefficient(residents, rows), _coefficient(total, rows), bound),
    )


def _representation(column: str, users: str, known: str, residents: str, total: str) -> Derived:
    """The label the marts give the (rounded) Katz interval against 1."""

    def formula(xs: list[np.ndarray], rows: pd.DataFrame) -> np.ndarray:
        r, big_r = _coefficient(residents, rows), _coefficient(total, rows)
        lower, upper = (_round(_katz(xs[0], xs[1], r, big_r, bound), 3) for bound in ("lower", "upper"))
        return _compare(lower, upper, np.ones(len(rows)), ("over-represented", "under-represented", "in proportion"))

    return Derived(column, (users, known), formula=formula)


def _area_rates(
    name: str, count: str, population: str, benchmark: str, benchmark_population: str
) -> tuple[Derived, ...]:
    """The rate_per_1000_columns of an area, against a benchmark count over a public population."""
    return (
        _rate(f"{name}_rate_per_1000", count, population),
        _wilson_bound(f"{name}_rate_per_1000_ci_lower", "lower", count, population),
        _wilson_bound(f"{name}_rate_per_1000_ci_upper", "upper", count, population),
        _rate(f"borough_{name}_rate_per_1000", benchmark, benchmark_population),
        _rate_ratio(f"{name}_rate_ratio_to_borough", count, population, benchmark, benchmark_population),
        _compared(f"{name}_compared_with_borough", count, population, benchmark, benchmark_population),
    )


@dataclass(frozen=True)
class Share:
    """What one sharing model publishes: count columns (with the template of each row's cell; a file
    without a column publishes nothing of it) and the columns derived from them. `areas` are the columns
    that identify a row."""

    counts: dict[str, str]
    derived: tuple[Derived, ...] = ()
    areas: tuple[str, ...] = ()

    def cell_template(self, reference: str) -> str:
        return self.counts.get(reference, reference)


BANDS = {
    "households_known_count": "known",
    "known_to_1_service_count": "1",
    "known_to_2_services_count": "2",
    "known_to_3_services_count": "3",
    "known_to_4_plus_services_count": "4+",
    "multiple_needs_households_count": "multiple",
}
POPULATIONS = (("people", "resident_count"), ("households", "household_count"))
VULNERABILITY = {
    "financially_vulnerable_households_count": "vulnerable",
    "households_with_arrears_count": "arrears",
    "households_with_council_tax_reduction_count": "reduction",
    "vulnerable_known_to_social_care_count": "social_care",
    "vulnerable_known_to_housing_count": "housing",
    "vulnerable_known_to_community_safety_count": "community_safety",
    "vulnerable_known_to_any_count": "any",
}


def _demand_share(level: str, area: str | None, service: str = "{service_code}") -> Share:
    """Service demand in areas of one level (people and households placed there) with the borough's
    (located) counts as benchmark; the borough share has no benchmark."""
    place = f"{level}|{{{area}}}" if area else "borough|"
    counts = {f"{measure}_known_count": f"demand|{measure}:{service}|{place}" for measure, _ in POPULATIONS}
    if area is None:
        return Share(
            counts,
            tuple(
                d
                for measure, population in POPULATIONS
                for d in (
                    _rate(f"{measure}_known_rate_per_1000", f"{measure}_known_count", population),
                    *(
                        _wilson_bound(
                            f"{measure}_known_rate_per_1000_ci_{bound}", bound, f"{measure}_known_count", population
                        )
                        for bound in ("lower", "upper")
                    ),
                )
            ),
            ("service_code",),
        )
    counts |= {f"borough_{measure}_known_count": f"demand|{measure}:{service}|borough|" for measure, _ in POPULATIONS}
    derived = tuple(
        d
        for measure, population in POPULATIONS
        for d in _area_rates(
            f"{measure}_known",
            f"{measure}_known_count",
            population,
            f"borough_{measure}_known_count",
            f"borough_{population}",
        )
    )
    keys = (area,) if service != "{service_code}" else ("service_code", area)
    return Share(counts, derived, keys)


def _community_safety_share() -> Share:
    demand = _demand_share("ward", "ward_code", service="community_safety")
    return Share(
        demand.counts | {"households_with_other_needs_count": "other_needs|community_safety|ward|{ward_code}"},
        (
            _quotient(
                "households_with_other_needs_share", "households_with_other_needs_count", "households_known_count", 4
            ),
            *demand.derived,
        ),
        demand.areas,
    )


def _needs_share(level: str, area: str) -> Share:
    """Households by number of targeted services in areas of one level, against the borough's."""
    counts = {column: f"needs|{band}|{level}|{{{area}}}" for column, band in BANDS.items()}
    counts["borough_multiple_needs_households_count"] = "needs|multiple|borough|"
    return Share(
        counts,
        _area_rates(
            "multiple_needs",
            "multiple_needs_households_count",
            "household_count",
            "borough_multiple_needs_households_count",
            "borough_household_count",
        ),
        (area,),
    )


def _segment_share() -> Share:
    counts = {
        "linked_household_count": "segment|linked|segment|{segment_group_code}",
        **{column: f"segment|{band}|segment|{{segment_group_code}}" for column, band in BANDS.items()},
        "borough_linked_household_count": "segment|linked|borough|",
        "borough_multiple_needs_households_count": "segment|multiple|borough|",
    }
    count, of = "multiple_needs_households_count", "linked_household_count"
    benchmark, benchmark_of = "borough_multiple_needs_households_count", "borough_linked_household_count"
    derived = (
        _quotient("multiple_needs_rate_per_1000", count, of, 2, scale=1000.0),
        _wilson_bound("multiple_needs_rate_per_1000_ci_lower", "lower", count, of=of),
        _wilson_bound("multiple_needs_rate_per_1000_ci_upper", "upper", count, of=of),
        _quotient("borough_multiple_needs_rate_per_1000", benchmark, benchmark_of, 2, scale=1000.0),
        _rate_ratio_of("multiple_needs_rate_ratio_to_borough", count, of, benchmark, benchmark_of),
        _compared_of("multiple_needs_compared_with_borough", count, of, benchmark, benchmark_of),
    )
    return Share(counts, derived, ("segment_group_code",))


def _vulnerability_share() -> Share:
    counts = {column: f"vulnerability|{measure}|ward|{{ward_code}}" for column, measure in VULNERABILITY.items()}
    counts["borough_vulnerable_known_to_any_count"] = "vulnerability|any|borough|"
    derived = (
        _quotient(
            "vulnerable_share_known_to_any",
            "vulnerable_known_to_any_count",
            "financially_vulnerable_households_count",
            4,
        ),
        *_area_rates(
            "vulnerable_known_to_any",
            "vulnerable_known_to_any_count",
            "household_count",
            "borough_vulnerable_known_to_any_count",
            "borough_household_count",
        ),
    )
    return Share(counts, derived, ("ward_code",))


def _overlap_share() -> Share:
    counts = {
        "first_service_households_count": "demand|households:{first_service_code}|all|",
        "second_service_households_count": "demand|households:{second_service_code}|all|",
        "households_known_to_both_count": "overlap|{first_service_code}:{second_service_code}|all|",
    }
    first, second, both = (
        "first_service_households_count",
        "second_service_households_count",
        "households_known_to_both_count",
    )
    derived = (
        _jaccard("jaccard_index", both, first, second),
        _quotient("first_service_share_also_known_to_second", both, first, 4),
        _quotient("second_service_share_also_known_to_first", both, second, 4),
    )
    return Share(counts, derived, ("first_service_code", "second_service_code"))


def _equalities_share() -> Share:
    counts = {
        "users_count": "users|{service_code}:{characteristic}|category|{category_code}",
        "users_with_known_value_count": "users|{service_code}:{characteristic}|known|",
    }
    users, known = "users_count", "users_with_known_value_count"
    derived = (
        _quotient("users_share", users, known, 4),
        _representation_ratio("representation_ratio", users, known, "resident_count", "residents_total_count"),
        *(
            _katz_bound(
                f"representation_ratio_ci_{bound}", bound, users, known, "resident_count", "residents_total_count"
            )
            for bound in ("lower", "upper")
        ),
        _representation("representation", users, known, "resident_count", "residents_total_count"),
    )
    return Share(counts, derived, ("service_code", "characteristic", "category_code"))


SHARES: dict[str, Share] = {
    "share_borough_service_demand": _demand_share("borough", None),
    "share_ward_service_demand": _demand_share("ward", "ward_code"),
    "share_lsoa_service_demand": _demand_share("lsoa", "lsoa21_code"),
    "share_ward_community_safety_demand": _community_safety_share(),
    "share_ward_service_first_contacts": Share(
        {"first_contacts_count": "contacts|{service_code}:{month_start_date}|ward|{ward_code}"},
        areas=("service_code", "month_start_date", "ward_code"),
    ),
    "share_service_overlap": _overlap_share(),
    "share_service_equalities": _equalities_share(),
    "share_ward_multiple_needs": _needs_share("ward", "ward_code"),
    "share_imd_decile_multiple_needs": _needs_share("imd", "imd_decile"),
    "share_segment_multiple_needs": _segment_share(),
    "share_ward_financial_vulnerability": _vulnerability_share(),
}


def _text(series: pd.Series) -> pd.Series:
    """A key column as text, the same from CSV and Parquet (integers without a decimal point, dates as
    YYYY-MM-DD)."""
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(series):
        series = series.astype("Int64")
    elif pd.api.types.is_datetime64_any_dtype(series) or (len(values) and isinstance(values.iloc[0], dt.date)):
        series = pd.to_datetime(series).dt.strftime("%Y-%m-%d")
    return series.astype("string").fillna("")


def cell_ids(template: str, frame: pd.DataFrame) -> pd.Series:
    """The cell of each row of `frame` from a template such as 'demand|people:{service_code}|ward|{ward_code}'."""
    pieces = []
    for literal, column, _, _ in string.Formatter().parse(template):
        pieces.append([literal] * len(frame))
        if column:
            pieces.append(_text(frame[column]).tolist())
    return pd.Series(["".join(parts) for parts in zip(*pieces, strict=True)], index=frame.index, dtype=object)


def share_cells(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every count of a share's rows (or of a mart's rows, renamed as the share): one row per count with
    cell, column, value (None when withheld) and is_withheld."""
    spec = SHARES[name]
    pieces = []
    for column, template in spec.counts.items():
        if column not in frame:
            continue
        status = frame.get(f"{column}_status", pd.Series(None, index=frame.index))
        pieces.append(
            pd.DataFrame(
                {
                    "cell": cell_ids(template, frame),
                    "column": column,
                    "value": pd.to_numeric(frame[column]),
                    "is_withheld": status.eq(MARKER).fillna(False).astype(bool),
                    "row": frame.index,
                }
            )
        )
    return pd.concat(pieces, ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Reading the exports


@dataclass
class Table:
    """One exported output: its share, who received it, and its rows (read from CSV and Parquet)."""

    name: str
    recipient: str
    folder: Path
    frame: pd.DataFrame
    _cells: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def cells(self, reference: str) -> pd.Series:
        """The cell each row gives a count column or cell template of its share (computed once)."""
        if reference not in self._cells:
            self._cells[reference] = cell_ids(SHARES[self.name].cell_template(reference), self.frame)
        return self._cells[reference]


def _agree(csv_frame: pd.DataFrame, parquet_frame: pd.DataFrame, where: str) -> None:
    if list(csv_frame.columns) != list(parquet_frame.columns) or len(csv_frame) != len(parquet_frame):
        raise AttackError(f"{where}: the CSV and Parquet files have different columns or rows")
    for column in parquet_frame.columns:
        a, b = csv_frame[column], parquet_frame[column]
        if pd.api.types.is_numeric_dtype(b) or pd.api.types.is_bool_dtype(b):
            same = np.allclose(pd.to_numeric(a).to_numpy(float), b.to_numpy(float), rtol=0, atol=0, equal_nan=True)
        else:
            same = _text(a).equals(_text(b))
        if not same:
            raise AttackError(f"{where}: column {column} differs between the CSV and the Parquet file")


def read_exports(folder: Path) -> list[Table]:
    """Every output listed by the manifests under `folder` (one build's exports)."""
    manifests = sorted(folder.rglob("manifest.json"))
    if not manifests:
        raise AttackError(f"{folder}: no manifest.json (not an export folder)")
    tables = []
    for path in manifests:
        manifest = json.loads(path.read_text())
        for output in manifest.get("outputs", []):
            name = output["model"]
            where = f"{path.parent}/{name}"
            if name not in SHARES:
                raise AttackError(f"{where}: no attack is written for {name} (add it to disclosure_attack.SHARES)")
            files = {kind: path.parent / output["files"][kind]["path"] for kind in ("csv", "parquet")}
            for file in files.values():
                if not file.is_file():
                    raise AttackError(f"{where}: the manifest lists {file.name}, which is missing")
            parquet_frame = pd.read_parquet(files["parquet"])
            csv_frame = pd.read_csv(
                files["csv"],
                keep_default_na=False,
                na_values=[""],
                dtype={
                    c: "string" for c in parquet_frame.columns if not pd.api.types.is_numeric_dtype(parquet_frame[c])
                },
            )
            _agree(csv_frame, parquet_frame, where)
            tables.append(Table(name, manifest["recipient_type"], path.parent, parquet_frame))
    return tables


@dataclass(frozen=True)
class Facts:
    """Public facts: the geography and census the files carry, and which services are universal."""

    ward_of_lsoa: dict[str, str]
    decile_of_lsoa: dict[str, str]
    borough_resident_count: float
    borough_household_count: float
    targeted_services: frozenset[str]


def public_facts(tables: list[Table]) -> Facts:
    wards: dict[str, tuple[float, float]] = {}
    ward_of: dict[str, str] = {}
    decile_of: dict[str, str] = {}
    borough = (math.nan, math.nan)
    for table in tables:
        frame = table.frame
        if "lsoa21_code" in frame and "ward_code" in frame:
            ward_of.update(zip(_text(frame["lsoa21_code"]), _text(frame["ward_code"]), strict=True))
            if "imd_decile" in frame:
                decile_of.update(zip(_text(frame["lsoa21_code"]), _text(frame["imd_decile"]), strict=True))
        elif "ward_code" in frame:
            for column in ("resident_count", "household_count"):
                if column not in frame:
                    continue
                values = frame.drop_duplicates("ward_code").set_index("ward_code")[column]
                for ward, value in values.items():
                    resident, household = wards.get(ward, (math.nan, math.nan))
                    wards[ward] = (value, household) if column == "resident_count" else (resident, value)
        elif table.name == "share_borough_service_demand":
            borough = (float(frame["resident_count"].iloc[0]), float(frame["household_count"].iloc[0]))
    if wards:
        borough = (sum(values[0] for values in wards.values()), sum(values[1] for values in wards.values()))
    with SERVICES_REFERENCE.open(newline="") as handle:
        targeted = frozenset(
            row["service_code"]
            for row in csv.DictReader(handle)
            if row["is_universal_service"].strip().lower() != "true"
        )
    return Facts(ward_of, decile_of, borough[0], borough[1], targeted)


# --------------------------------------------------------------------------------------------------
# Pools: what recipients under one rule hold together


def _offsets(base: int) -> tuple[int, int]:
    """x - round(x) for x an integer rounded to the nearest `base`, halves up: (lowest, highest)."""
    return math.ceil(-base / 2), math.ceil(base / 2) - 1


@dataclass
class Pool:
    """Every cell the recipients under one rule received in one build, and the rows that hold them."""

    build: int
    commission: str
    rule: str
    threshold: int
    base: int
    tables: list[Table]
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # cell, published, is_withheld, source
    findings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        recipients = ", ".join(sorted({t.recipient for t in self.tables}))
        return f"{self.commission} under {self.rule} (suppress 1..{self.threshold}, round to {self.base}; {recipients})"

    @property
    def shares(self) -> set[str]:
        return {table.name for table in self.tables}

    @cached_property
    def codes(self) -> pd.Index:
        """Every cell the pool's files publish, withhold or refer to (a benchmark no file publishes)."""
        return _referenced_cells(self)

    @cached_property
    def constraints(self) -> list[_Constraint]:
        """The published derived columns of the pool's files, row by row."""
        return _constraints(self, self.codes)


def build_pools(tables: list[Table], facts: Facts, build: int = 0) -> list[Pool]:
    """The pools of one build's files: per commission and rule, every cell and where it comes from."""
    grouped: dict[tuple[str, str], list[Table]] = {}
    for table in tables:
        frame = table.frame
        if frame.empty:
            continue
        # the census of the whole borough, for figures against the borough (files that carry it agree)
        for column, value in (
            ("borough_resident_count", facts.borough_resident_count),
            ("borough_household_count", facts.borough_household_count),
        ):
            if column not in frame:
                frame[column] = value
        rules = frame[["commission_id", "disclosure_rule_id", "suppress_up_to", "rounding_base"]].drop_duplicates()
        if len(rules) != 1:
            raise AttackError(f"{table.folder}/{table.name}: rows under more than one commission or rule")
        grouped.setdefault((frame["commission_id"].iloc[0], frame["disclosure_rule_id"].iloc[0]), []).append(table)
    pools = []
    for (commission, rule), members in sorted(grouped.items()):
        first = members[0].frame.iloc[0]
        pool = Pool(build, commission, rule, int(first["suppress_up_to"]), int(first["rounding_base"]), members)
        long = pd.concat([share_cells(t.name, t.frame).assign(table=t.name) for t in members], ignore_index=True)
        long["source"] = long["table"] + "." + long["column"]
        long["published"] = long["value"].where(~long["is_withheld"])
        by_cell = long.groupby("cell").agg(
            published=("published", "max"),
            lowest=("published", "min"),
            withheld=("is_withheld", "sum"),
            held=("is_withheld", "size"),
            source=("source", "first"),
        )
        differ = by_cell[(by_cell["published"] != by_cell["lowest"]) & by_cell["published"].notna()]
        mixed = by_cell[(by_cell["withheld"] > 0) & (by_cell["withheld"] < by_cell["held"])]
        pool.findings += [
            f"{cell}: published as two different counts ({row.lowest:g} and {row.published:g})"
            for cell, row in differ.iterrows()
        ]
        pool.findings += [
            f"{cell}: withheld in one file and published as {row.published:g} in another"
            for cell, row in mixed.iterrows()
        ]
        pool.cells = pd.DataFrame(
            {
                "cell": by_cell.index,
                "published": by_cell["published"].to_numpy(),
                "is_withheld": by_cell["published"].isna().to_numpy(),
                "source": by_cell["source"].to_numpy(),
            }
        )
        pools.append(pool)
    return pools


# --------------------------------------------------------------------------------------------------
# Attack 1: each count from the columns it ships with


@dataclass
class _Constraint:
    """The rows of one table where one derived column is published: id (unique in the pool), observed value,
    the code of each count's cell (cell_<i>) and the table's public numbers (denominators)."""

    derived: Derived
    rows: pd.DataFrame
    source: str


def _public_columns(name: str, frame: pd.DataFrame) -> list[str]:
    spec = SHARES[name]
    published = set(spec.counts) | {d.column for d in spec.derived}
    return [c for c in frame.columns if c not in published and pd.api.types.is_numeric_dtype(frame[c])]


def _constraints(pool: Pool, codes: pd.Index) -> list[_Constraint]:
    found, start = [], 0
    for table in pool.tables:
        spec = SHARES[table.name]
        public = table.frame[_public_columns(table.name, table.frame)]
        coded = {
            reference: codes.get_indexer(table.cells(reference))
            for derived in spec.derived
            for reference in derived.counts
        }
        for derived in spec.derived:
            if derived.column not in table.frame:
                raise AttackError(f"{table.folder}/{table.name}: column {derived.column} is missing")
            observed = table.frame[derived.column]
            where = np.flatnonzero(observed.notna().to_numpy())
            if not len(where):
                continue
            rows = (
                public.take(where)
                .reset_index(drop=True)
                .assign(
                    observed=observed.take(where).to_numpy(),
                    id=np.arange(start, start + len(where)),
                    **{f"cell_{i}": coded[reference][where] for i, reference in enumerate(derived.counts)},
                )
            )
            start += len(where)
            found.append(_Constraint(derived, rows, f"{table.name}.{derived.column}"))
    return found


def _referenced_cells(pool: Pool) -> pd.Index:
    referenced = [pool.cells["cell"]]
    for table in pool.tables:
        spec = SHARES[table.name]
        for derived in spec.derived:
            for reference in derived.counts:
                referenced.append(table.cells(reference))
    return pd.Index(pd.concat(referenced).astype(object).unique())


def _fits(derived: Derived, values: np.ndarray, observed: pd.Series) -> np.ndarray:
    if derived.decimals is None:
        return values.astype(object) == observed.astype(object).to_numpy()
    observed = observed.to_numpy(dtype=float)
    return np.abs(values - observed) <= 0.5 * 10.0**-derived.decimals + SLACK * np.maximum(1.0, np.abs(observed))


def _rule_candidates(pool: Pool, codes: pd.Index) -> pd.DataFrame:
    """What the rounding rule allows for each published count (cells as codes)."""
    published = pool.cells[~pool.cells["is_withheld"]]
    low, high = _offsets(pool.base)
    offsets = np.arange(low, high + 1)
    cell = np.repeat(codes.get_indexer(published["cell"]), len(offsets))
    value = np.repeat(published["published"].to_numpy(float), len(offsets))
    offset = np.tile(offsets, len(published))
    keep = np.where(value == 0, offset == 0, value + offset > pool.threshold)
    return pd.DataFrame({"cell": cell[keep], "value": (value + offset)[keep]})


def _revealed_candidates(constraints: list[_Constraint], known: np.ndarray) -> pd.DataFrame:
    """Candidates for counts the rule gives no range (withheld, or in no file) from the published
    rates that reveal them: a linear column of one count over a public population."""
    intervals = []
    for constraint in constraints:
        derived = constraint.derived
        if not derived.is_linear or len(derived.counts) != 1 or derived.denominator:
            continue
        rows = constraint.rows[~np.isin(constraint.rows["cell_0"].to_numpy(), known)]
        if rows.empty:
            continue
        scale = _coefficient(derived.numerator[0][1], rows) / _coefficient(derived.constant, rows)
        assert derived.decimals is not None, f"{derived.column}: a linear column is a published number"
        half = 0.5 * 10.0**-derived.decimals
        observed = rows["observed"].to_numpy(float)
        intervals.append(
            pd.DataFrame(
                {
                    "cell": rows["cell_0"].to_numpy(),
                    "low": np.ceil((observed - half) / scale - SLACK),
                    "high": np.floor((observed + half) / scale + SLACK),
                }
            )
        )
    if not intervals:
        return pd.DataFrame({"cell": np.array([], dtype=np.int64), "value": np.array([], dtype=float)})
    ranges = pd.concat(intervals).groupby("cell").agg(low=("low", "max"), high=("high", "min"))
    ranges = ranges[ranges["high"] - ranges["low"] < MAX_REVEALED_CANDIDATES]
    low = ranges["low"].clip(lower=0).to_numpy()
    sizes = np.maximum(ranges["high"].to_numpy() - low + 1, 0).astype(int)
    values: list[npt.ArrayLike] = [np.arange(a, a + n) for a, n in zip(low, sizes, strict=True)]
    return pd.DataFrame(
        {
            "cell": np.repeat(ranges.index.to_numpy(), sizes),
            "value": np.concatenate(values or [[]]),
        }
    )


def _explode(
    cells: list[np.ndarray], first: np.ndarray, count: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Every combination of the candidates of each row's cells (`values` sorted by cell code, those of
    code c from first[c], count[c] of them): (row of each combination, the value of each cell in it).
    Rows with a cell without candidates have none."""
    row = np.arange(len(cells[0]))
    chosen: list[np.ndarray] = []
    for cell in cells:
        n = count[cell[row]]
        repeated = np.repeat(row, n)
        offset = np.arange(len(repeated)) - np.repeat(np.cumsum(n) - n, n)
        chosen = [np.repeat(values_so_far, n) for values_so_far in chosen]
        chosen.append(values[first[cell[repeated]] + offset])
        row = repeated
    return row, chosen


def _narrow(constraints: list[_Constraint], candidates: pd.DataFrame) -> pd.DataFrame:
    """One round of filtering: a candidate survives when, in every constraint of its cell, some
    combination of the other cells' candidates reproduces the published value."""
    survivors, involved = [], []
    ordered = candidates.sort_values(["cell", "value"])
    codes, sorted_values = ordered["cell"].to_numpy(), ordered["value"].to_numpy(float)
    size = 1 + max(
        [int(codes.max()) if len(codes) else 0]
        + [int(c.rows[f"cell_{i}"].max()) for c in constraints for i in range(len(c.derived.counts))]
    )
    first = np.searchsorted(codes, np.arange(size))
    count = np.searchsorted(codes, np.arange(size), side="right") - first
    for constraint in constraints:
        k = len(constraint.derived.counts)
        rows = constraint.rows
        cells = [rows[f"cell_{i}"].to_numpy() for i in range(k)]
        row, values = _explode(cells, first, count, sorted_values)
        combinations = rows.take(row)
        fit = _fits(constraint.derived, constraint.derived.values(values, combinations), combinations["observed"])
        ids = rows["id"].to_numpy()
        evaluable = np.unique(row)
        for i in range(k):
            survivors.append(np.column_stack([ids[row[fit]], cells[i][row[fit]], values[i][fit]]))
            involved.append(np.column_stack([ids[evaluable], cells[i][evaluable]]))
    if not involved:
        return candidates
    needed = pd.DataFrame(np.concatenate(involved), columns=["id", "cell"]).drop_duplicates().groupby("cell").size()
    support = (
        pd.DataFrame(np.concatenate(survivors), columns=["id", "cell", "value"])
        .drop_duplicates()
        .groupby(["cell", "value"])
        .size()
        .rename("support")
        .reset_index()
    )
    merged = candidates.merge(needed.rename("needed"), left_on="cell", right_index=True, how="left").merge(
        support, on=["cell", "value"], how="left"
    )
    keep = merged["needed"].isna() | (merged["support"] == merged["needed"])
    return merged.loc[keep, ["cell", "value"]].reset_index(drop=True)


def attack_counts(pool: Pool) -> pd.DataFrame:
    """Attack 1 on a pool: per cell with candidates, how many fit (candidates), the lowest and highest
    (low, high), whether one alone fits (is_recovered), whether that is beyond the rule (is_leak), and
    whether the files cannot have been computed from rounded counts (refutes_rounding)."""
    codes, constraints = pool.codes, pool.constraints
    rule = _rule_candidates(pool, codes)
    candidates = pd.concat([rule, _revealed_candidates(constraints, rule["cell"].unique())], ignore_index=True)
    while True:
        narrowed = _narrow(constraints, candidates)
        if len(narrowed) == len(candidates):
            break
        candidates = narrowed
    emptied = np.setdiff1d(rule["cell"].unique(), candidates["cell"].unique())
    if len(emptied):
        raise AttackError(
            f"{pool.label}: no count fits the published columns of {codes[emptied[0]]} "
            f"(and {len(emptied) - 1} more): the attack's formulas do not match the files"
        )
    found = candidates.groupby("cell")["value"].agg(candidates="size", low="min", high="max")
    found["constraints"] = (
        pd.concat(
            [c.rows[f"cell_{i}"] for c in constraints for i in range(len(c.derived.counts))]
            or [pd.Series([], dtype=int)]
        )
        .value_counts()
        .reindex(found.index, fill_value=0)
    )
    candidates = candidates.assign(cell=codes[candidates["cell"].to_numpy()])
    found.index = codes[found.index.to_numpy()]
    found = found.rename_axis("cell").reset_index().merge(pool.cells, on="cell", how="left")
    found["is_withheld"] = found["is_withheld"].astype("boolean").fillna(False).astype(bool)
    found["is_recovered"] = found["candidates"] == 1
    published = found["published"].notna()
    with_published = candidates.merge(pool.cells[["cell", "published"]], on="cell")
    keeps_published = with_published.loc[with_published["value"] == with_published["published"], "cell"]
    multiples = candidates.loc[candidates["value"] % pool.base == 0, "cell"]
    # the hypothesis that every column was computed from rounded counts is refuted by a published
    # count whose published value no longer fits, or by a total no multiple of the base fits
    found["refutes_rounding"] = np.where(
        published, ~found["cell"].isin(keeps_published), ~found["cell"].isin(multiples)
    )
    found["is_leak"] = found["is_recovered"] & np.where(
        published, found["low"] != found["published"], found["is_withheld"] | (found["low"] % pool.base != 0)
    )
    return found


# --------------------------------------------------------------------------------------------------
# Attack 2: each withheld count from every combination of totals


@dataclass
class Relations:
    """Linear relations lo <= sum(coef * cell) <= hi, as long tables (vectorised over whole families)."""

    terms: list[pd.DataFrame] = field(default_factory=list)  # relation, cell, coef
    limits: list[pd.DataFrame] = field(default_factory=list)  # relation, lo, hi

    def add(
        self,
        relation: pd.Series | str,
        cell: pd.Series | str,
        coef: float | np.ndarray = 1.0,
        lo: float | np.ndarray = 0.0,
        hi: float | np.ndarray = 0.0,
    ) -> None:
        """Terms coef * cell of the relations named row by row; lo and hi (scalars, or one per row)
        bound each relation (a relation named by several calls keeps its first bounds)."""
        cell = pd.Series(cell).reset_index(drop=True)
        if isinstance(relation, str):
            relation = pd.Series(relation, index=cell.index)
        relation = pd.Series(relation).reset_index(drop=True)
        n = len(cell)
        self.terms.append(
            pd.DataFrame(
                {
                    "relation": relation.astype(object),
                    "cell": cell.astype(object),
                    "coef": np.broadcast_to(np.asarray(coef, dtype=float), n),
                }
            )
        )
        self.limits.append(
            pd.DataFrame(
                {
                    "relation": relation.astype(object),
                    "lo": np.broadcast_to(np.asarray(lo, dtype=float), n),
                    "hi": np.broadcast_to(np.asarray(hi, dtype=float), n),
                }
            )
        )

    def sums(self, name: str, totals: pd.Series, parts: pd.Series, parts_total: pd.Series) -> None:
        """Each total equals the sum of the parts naming it (a total with no part is 0)."""
        self.add(name + "|" + totals, totals, 1.0)
        self.add(name + "|" + parts_total, parts, -1.0)

    def at_most(self, name: str, small: pd.Series, large: pd.Series) -> None:
        """small <= large, row by row."""
        relation = name + "|" + pd.Series(small).reset_index(drop=True)
        self.add(relation, small, 1.0, lo=-np.inf, hi=0.0)
        self.add(relation, large, -1.0, lo=-np.inf, hi=0.0)

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if not self.terms:
            return (pd.DataFrame(columns=["relation", "cell", "coef"]), pd.DataFrame(columns=["relation", "lo", "hi"]))
        terms = pd.concat(self.terms, ignore_index=True).groupby(["relation", "cell"], as_index=False)["coef"].sum()
        limits = pd.concat(self.limits, ignore_index=True).drop_duplicates("relation")
        return terms[terms["coef"] != 0], limits


def _parsed(cells: pd.Series) -> pd.DataFrame:
    parts = cells.str.split("|", n=3, expand=True)
    parts.columns = ["family", "measure", "level", "area"]
    return parts.assign(cell=cells.to_numpy())


def _bands(cells: pd.DataFrame, family: str) -> pd.DataFrame:
    """One row per area of a banded family (needs, segment): the cell of each band, by band name."""
    areas = cells.loc[cells["family"] == family, ["level", "area"]].drop_duplicates()
    areas = areas[areas["level"] != "borough"]
    for band in (*BANDS.values(), "linked"):
        areas[band] = family + "|" + band + "|" + areas["level"] + "|" + areas["area"]
    return areas.reset_index(drop=True)


def _areas_within(relations: Relations, name: str, cells: pd.DataFrame, family: str, level: str) -> None:
    """The cells of one family and level add up to the family's borough cell of the same measure."""
    parts = cells[(cells["family"] == family) & (cells["level"] == level)]
    total = family + "|" + parts["measure"] + "|borough|"
    relations.sums(name, total.drop_duplicates(), parts["cell"], total)


def _demand_relations(relations: Relations, cells: pd.DataFrame, shares: set[str], facts: Facts) -> None:
    """Service demand: wards add up to the borough (people and households placed in a ward), LSOAs to
    their ward; everyone known to a service includes those placed."""
    demand = cells[cells["family"] == "demand"]
    wards = demand[demand["level"] == "ward"]
    _areas_within(relations, "wards", cells, "demand", "ward")
    if "share_lsoa_service_demand" in shares:
        lsoas = demand[demand["level"] == "lsoa"]
        parent = "demand|" + lsoas["measure"] + "|ward|" + lsoas["area"].map(facts.ward_of_lsoa)
        relations.sums("lsoas", wards["cell"], lsoas["cell"], parent)
    everyone = demand.loc[demand["level"] == "all", "measure"].drop_duplicates()
    relations.at_most("located", "demand|" + everyone + "|borough|", "demand|" + everyone + "|all|")


def _characteristic_relations(relations: Relations, cells: pd.DataFrame) -> None:
    """Users of a service by characteristic: the known categories add up to those with a known value,
    and those with the not known category to everyone known to the service, for every characteristic."""
    users = cells[cells["family"] == "users"]
    if users.empty:
        return
    categories = users[(users["level"] == "category") & (users["area"] != "")]
    known = "users|" + categories["measure"] + "|known|"
    characteristics = users["measure"].drop_duplicates()
    relations.sums("categories", "users|" + characteristics + "|known|", categories["cell"], known)
    service = characteristics.str.split(":").str[0]
    everyone = "demand|people:" + service + "|all|"
    relation = "characteristic|" + characteristics
    relations.add(relation, everyone, 1.0)
    relations.add(relation, "users|" + characteristics + "|known|", -1.0)
    relations.add(relation, "users|" + characteristics + "|category|", -1.0)
    services = service.drop_duplicates()
    relations.at_most("located", "demand|people:" + services + "|borough|", "demand|people:" + services + "|all|")


def _overlap_relations(relations: Relations, cells: pd.DataFrame) -> None:
    """Households known to both services of a pair are households of each."""
    both = cells[cells["family"] == "overlap"]
    pair = both["measure"].str.split(":", expand=True)
    if both.empty:
        return
    for side, service in (("first", pair[0]), ("second", pair[1])):
        relations.at_most(f"both_within_{side}", both["cell"], "demand|households:" + service + "|all|")


def _needs_relations(relations: Relations, cells: pd.DataFrame, shares: set[str]) -> None:
    """Households by number of targeted services: bands within their area's total, areas within the
    borough (wards and IMD deciles alike), segments within the located households."""
    for family, levels in (("needs", ("ward", "imd")), ("segment", ("segment",))):
        areas = _bands(cells, family)
        if areas.empty:
            continue
        for total, bands in (("known", ("1", "2", "3", "4+")), ("multiple", ("2", "3", "4+"))):
            relations.sums(
                total,
                areas[total].drop_duplicates(),
                pd.concat([areas[b] for b in bands]),
                pd.concat([areas[total]] * len(bands)),
            )
        borough = pd.DataFrame({"level": ["borough"], "area": [""]})
        for band in (*BANDS.values(), "linked"):
            borough[band] = family + "|" + band + "|borough|"
        for total, bands in (("known", ("1", "2", "3", "4+")), ("multiple", ("2", "3", "4+"))):
            relations.sums(
                total, borough[total], pd.concat([borough[b] for b in bands]), pd.concat([borough[total]] * len(bands))
            )
        for level in levels:
            _areas_within(relations, f"{family}_{level}s", cells, family, level)
        if family == "segment":
            # linked households (known to any service) include those known to a targeted one
            relations.at_most(
                "linked", pd.concat([areas["known"], borough["known"]]), pd.concat([areas["linked"], borough["linked"]])
            )
    if "share_segment_multiple_needs" in shares and (cells["family"] == "needs").any():
        # a household with a segment is located (it is segmented by the postcode that placed it)
        bands = pd.Series(list(BANDS.values()))
        relations.at_most("segmented", "segment|" + bands + "|borough|", "needs|" + bands + "|borough|")


def _band_identity(relations: Relations, name: str, areas: pd.DataFrame, services: pd.DataFrame, targeted: int) -> None:
    """Per area (`areas`: its band cells, and `key`): the households each targeted service knows there
    (`services`: key, service, cell; an area's count may be the sum of several cells) count a household
    known to k services k times: their sum is 1*b1 + 2*b2 + 3*b3 + (4 to `targeted`)*b4+; and each
    service's households are within the area's households known to one or more."""
    for bound, four, limits in (
        ("lo", 4.0, {"lo": 0.0, "hi": np.inf}),
        ("hi", float(targeted), {"lo": -np.inf, "hi": 0.0}),
    ):
        relation = name + "|" + bound + "|"
        relations.add(relation + services["key"], services["cell"], 1.0, **limits)
        for band, coef in (("1", 1.0), ("2", 2.0), ("3", 3.0), ("4+", four)):
            relations.add(relation + areas["key"], areas[band], -coef, **limits)
    within = name + "|within|" + services["key"] + "|" + services["service"]
    relations.add(within, services["cell"], 1.0, lo=-np.inf, hi=0.0)
    known = areas.set_index("key")["known"]
    unique = services.drop_duplicates(["key", "service"])
    relations.add(
        name + "|within|" + unique["key"] + "|" + unique["service"], unique["key"].map(known), -1.0, lo=-np.inf, hi=0.0
    )


def _cross_family_relations(relations: Relations, cells: pd.DataFrame, shares: set[str], facts: Facts) -> None:
    """Household needs against service demand in the same area, where the pool holds both."""
    targeted = sorted(facts.targeted_services)
    demand = cells[(cells["family"] == "demand") & cells["measure"].str.startswith("households:")]
    service_of = demand["measure"].str.split(":").str[1]
    needs = _bands(cells, "needs")
    wards = needs[needs["level"] == "ward"].assign(key=lambda f: f["area"])
    ward_demand = demand[(demand["level"] == "ward") & service_of.isin(targeted)]
    if not wards.empty and set(service_of[demand["level"] == "ward"]) >= set(targeted):
        _band_identity(
            relations,
            "bands_wards",
            wards,
            pd.DataFrame(
                {"key": ward_demand["area"], "service": service_of[ward_demand.index], "cell": ward_demand["cell"]}
            ),
            len(targeted),
        )
    deciles = needs[needs["level"] == "imd"].assign(key=lambda f: f["area"])
    lsoa_demand = demand[(demand["level"] == "lsoa") & service_of.isin(targeted)]
    if not deciles.empty and "share_lsoa_service_demand" in shares:
        _band_identity(
            relations,
            "bands_deciles",
            deciles,
            pd.DataFrame(
                {
                    "key": lsoa_demand["area"].map(facts.decile_of_lsoa),
                    "service": service_of[lsoa_demand.index],
                    "cell": lsoa_demand["cell"],
                }
            ),
            len(targeted),
        )

    # community safety households also known to another targeted service: within the community safety
    # households, and households with multiple needs, of their ward
    other = cells[cells["family"] == "other_needs"]
    relations.at_most("other_needs", other["cell"], "demand|households:community_safety|ward|" + other["area"])
    if not wards.empty:
        relations.at_most("other_needs_multiple", other["cell"], "needs|multiple|ward|" + other["area"])

    # financially vulnerable households known to a service are households of that service in the ward
    vulnerable = cells[(cells["family"] == "vulnerability") & (cells["level"] == "ward")]
    if not vulnerable.empty and not ward_demand.empty:
        area = vulnerable["area"].drop_duplicates()
        for measure, services in (
            ("social_care", ("adult_social_care", "childrens_social_care")),
            ("housing", ("housing",)),
            ("community_safety", ("community_safety",)),
        ):
            relation = "vulnerable_service|" + measure + "|" + area
            relations.add(relation, "vulnerability|" + measure + "|ward|" + area, 1.0, lo=-np.inf, hi=0.0)
            for service in services:
                relations.add(relation, "demand|households:" + service + "|ward|" + area, -1.0, lo=-np.inf, hi=0.0)
        if not wards.empty:
            relations.at_most("vulnerable_needs", "vulnerability|any|ward|" + area, "needs|known|ward|" + area)


def _vulnerability_relations(relations: Relations, cells: pd.DataFrame) -> None:
    """Financially vulnerable households of a ward: those with arrears or reduction (either or both),
    and of those the ones known to social care, housing or community safety (any, each at most once)."""
    wards = cells.loc[(cells["family"] == "vulnerability") & (cells["level"] == "ward"), "area"].drop_duplicates()
    if wards.empty:
        return
    cell = {measure: "vulnerability|" + measure + "|ward|" + wards for measure in VULNERABILITY.values()}
    relations.at_most("arrears", cell["arrears"], cell["vulnerable"])
    relations.at_most("reduction", cell["reduction"], cell["vulnerable"])
    relations.at_most("any", cell["any"], cell["vulnerable"])
    for measure in ("social_care", "housing", "community_safety"):
        relations.at_most("within_any", cell[measure], cell["any"])
    either = "either|" + wards
    relations.add(either, cell["vulnerable"], 1.0, lo=-np.inf, hi=0.0)
    relations.add(pd.concat([either] * 2), pd.concat([cell["arrears"], cell["reduction"]]), -1.0, lo=-np.inf, hi=0.0)
    several = "several|" + wards
    relations.add(several, cell["any"], 1.0, lo=-np.inf, hi=0.0)
    services = pd.concat([cell[m] for m in ("social_care", "housing", "community_safety")])
    relations.add(pd.concat([several] * 3), services, -1.0, lo=-np.inf, hi=0.0)
    at_most_thrice = "at_most_three|" + wards
    relations.add(at_most_thrice, cell["any"], -3.0, lo=-np.inf, hi=0.0)
    relations.add(pd.concat([at_most_thrice] * 3), services, 1.0, lo=-np.inf, hi=0.0)
    _areas_within(relations, "vulnerability_wards", cells, "vulnerability", "ward")


def _first_contact_relations(relations: Relations, cells: pd.DataFrame) -> None:
    """A ward's monthly first contacts with a service are people it knows there (the rest came first
    before the trend window)."""
    contacts = cells[cells["family"] == "contacts"]
    if contacts.empty:
        return
    service = contacts["measure"].str.split(":").str[0]
    people = "demand|people:" + service + "|ward|" + contacts["area"]
    relation = "first_contacts|" + people
    relations.add(relation, contacts["cell"], 1.0, lo=-np.inf, hi=0.0)
    relations.add(relation.drop_duplicates(), people.drop_duplicates(), -1.0, lo=-np.inf, hi=0.0)


def _family_relations(pool: Pool, facts: Facts) -> Relations:
    """Every additive relation the documentation implies between the pool's counts."""
    relations = Relations()
    cells = _parsed(pool.cells["cell"])
    _demand_relations(relations, cells, pool.shares, facts)
    _characteristic_relations(relations, cells)
    _overlap_relations(relations, cells)
    _needs_relations(relations, cells, pool.shares)
    _vulnerability_relations(relations, cells)
    _first_contact_relations(relations, cells)
    _cross_family_relations(relations, cells, pool.shares, facts)
    return relations


def _derived_relations(pool: Pool, constraints: list[_Constraint], codes: pd.Index) -> Relations:
    """The linear derived columns as relations between the counts they were computed from:
    lo <= (sum a x) / (sum b x + d) <= hi becomes sum a x - lo * sum b x >= lo * d and
    sum a x - hi * sum b x <= hi * d (the denominator is positive)."""
    relations = Relations()
    for constraint in constraints:
        derived = constraint.derived
        if not derived.is_linear:
            continue
        rows = constraint.rows
        assert derived.decimals is not None, f"{derived.column}: a linear column is a published number"
        half = 0.5 * 10.0**-derived.decimals + SLACK * np.maximum(1.0, rows["observed"].abs().to_numpy(float))
        constant = _coefficient(derived.constant, rows)
        observed = rows["observed"].to_numpy(float)
        for side, limit in (("lo", observed - half), ("hi", observed + half)):
            relation = constraint.source + "#" + rows["id"].astype(str) + "|" + side
            bounds = {"lo": limit * constant, "hi": np.inf} if side == "lo" else {"lo": -np.inf, "hi": limit * constant}
            for i, coef in derived.numerator:
                relations.add(
                    relation, pd.Series(codes[rows[f"cell_{i}"].to_numpy()]), _coefficient(coef, rows), **bounds
                )
            for i, coef in derived.denominator:
                relations.add(
                    relation,
                    pd.Series(codes[rows[f"cell_{i}"].to_numpy()]),
                    -limit * _coefficient(coef, rows),
                    **bounds,
                )
    return relations


def _as_rounded(pool: Pool, relations: Relations) -> Relations:
    """Derived relations when the files were computed from rounded counts: a published count enters as
    its published value, any other count x as x + e, e its rounding error (within the rule's offsets)."""
    terms, limits = relations.frames()
    published = pool.cells.set_index("cell")["published"]
    value = terms["cell"].map(published)
    known = value.notna()
    moved = (terms["coef"] * value).where(known, 0.0).groupby(terms["relation"]).sum()
    limits = limits.assign(
        lo=limits["lo"] - limits["relation"].map(moved).fillna(0.0),
        hi=limits["hi"] - limits["relation"].map(moved).fillna(0.0),
    )
    unknown = terms[~known]
    rounded = Relations()
    rounded.add(unknown["relation"], unknown["cell"], unknown["coef"].to_numpy())
    rounded.add(unknown["relation"], "e|" + unknown["cell"], unknown["coef"].to_numpy())
    rounded.limits = [limits]
    return rounded


def _bounds(pool: Pool, variables: pd.Index, counts: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Each variable's range: a published count its rounding range, a withheld count at least 1, a
    total no file publishes at least 0, a rounding error e|<cell> within the rule's offsets; narrowed
    by attack 1 (`counts`) when the files are computed from true counts."""
    low_offset, high_offset = _offsets(pool.base)
    cells = pool.cells.set_index("cell").reindex(variables)
    published = cells["published"].to_numpy(float)
    is_error = variables.str.startswith("e|")
    withheld = cells["is_withheld"].astype("boolean").fillna(False).to_numpy(bool)
    lower = np.where(withheld, 1.0, 0.0)
    upper = np.full(len(variables), np.inf)
    has_value = ~np.isnan(published)
    lower = np.where(
        has_value, np.where(published == 0, 0.0, np.maximum(published + low_offset, pool.threshold + 1)), lower
    )
    upper = np.where(has_value, np.where(published == 0, 0.0, published + high_offset), upper)
    lower = np.where(is_error, -high_offset, lower)
    upper = np.where(is_error, -low_offset, upper)
    if counts is not None:
        found = counts.set_index("cell").reindex(variables)
        lower = np.fmax(lower, found["low"].to_numpy(float))
        upper = np.fmin(upper, found["high"].to_numpy(float))
    return lower, upper


class _Block:
    """One independent block of the linear programme, in HiGHS: the range of each of its variables,
    each found by re-solving with a new objective from the last basis."""

    def __init__(
        self, matrix: sparse.csc_matrix, row_lo: np.ndarray, row_hi: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> None:
        def finite(values: np.ndarray) -> np.ndarray:
            return np.clip(values, -highspy.kHighsInf, highspy.kHighsInf)

        self.lp = highspy.HighsLp()
        self.lp.num_row_, self.lp.num_col_ = matrix.shape
        self.lp.col_cost_ = np.zeros(matrix.shape[1])
        self.lp.col_lower_, self.lp.col_upper_ = finite(lower), finite(upper)
        self.lp.row_lower_, self.lp.row_upper_ = finite(row_lo), finite(row_hi)
        self.lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        self.lp.a_matrix_.start_, self.lp.a_matrix_.index_, self.lp.a_matrix_.value_ = (
            matrix.indptr,
            matrix.indices,
            matrix.data,
        )
        self.relaxed = self._solver(integral=False)
        self.integral: highspy.Highs | None = None

    def _solver(self, integral: bool) -> highspy.Highs:
        solver = highspy.Highs()
        solver.setOptionValue("output_flag", False)
        if not integral:
            # keep the basis from one objective to the next: it stays primal feasible, so primal simplex
            solver.setOptionValue("presolve", "off")
            solver.setOptionValue("simplex_strategy", 4)
        solver.passModel(self.lp)
        if integral:
            n = self.lp.num_col_
            solver.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
        return solver

    def range(self, column: SupportsIndex, integral: bool = False) -> tuple[float, float]:
        """Minimum and maximum of one variable (over integers when `integral`).

        `column` is any integer (attack_withheld passes numpy's). The changeColCost calls ignore
        arg-type for a highspy stub defect: its HighsIndexType is int | _SupportsIndex, a protocol
        asking for a property `index` where it means `__index__` (highspy/_core/__init__.pyi), so a
        numpy integer, which the binding takes, does not match it."""
        if integral and self.integral is None:
            self.integral = self._solver(integral=True)
        solver = self.integral if integral else self.relaxed
        assert solver is not None, "the integral solver is made above when first asked for"
        found = []
        for sign in (1.0, -1.0):
            solver.changeColCost(column, sign)  # type: ignore[arg-type]  # highspy stub: see the docstring
            solver.run()
            status = solver.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                raise AttackError("infeasible")
            optimal = status == highspy.HighsModelStatus.kOptimal
            found.append(sign * solver.getInfo().objective_function_value if optimal else -sign * np.inf)
        solver.changeColCost(column, 0.0)  # type: ignore[arg-type]  # highspy stub: see the docstring
        return found[0], found[1]


def attack_withheld(pool: Pool, relations: Relations, counts: pd.DataFrame | None) -> pd.DataFrame:
    """Attack 2 on a pool: the feasible range (low, high) of every count under all the relations;
    `counts` (cell, low, high: attack 1's ranges) narrows the counts it names (when the files are
    computed from true counts)."""
    terms, limits = relations.frames()
    variables = pd.Index(pd.concat([pool.cells["cell"], terms["cell"]]).astype(object).unique())
    lower, upper = _bounds(pool, variables, counts)
    if np.any(lower > upper):
        raise AttackError(f"{pool.label}: attack 1 left {variables[np.argmax(lower > upper)]} no value the rule allows")
    limits = limits.set_index("relation").loc[terms["relation"].unique()]
    rows = pd.Index(limits.index)
    matrix = sparse.csr_matrix(
        (terms["coef"].to_numpy(float), (rows.get_indexer(terms["relation"]), variables.get_indexer(terms["cell"]))),
        shape=(len(rows), len(variables)),
    )
    fixed = lower == upper
    shift = matrix[:, fixed] @ lower[fixed]
    row_lo, row_hi = limits["lo"].to_numpy(float) - shift, limits["hi"].to_numpy(float) - shift
    free_matrix = matrix[:, ~fixed].tocsr()
    active = np.diff(free_matrix.indptr) > 0
    tolerance = 1e-6
    broken = ~active & ((row_lo > tolerance) | (row_hi < -tolerance))
    if broken.any():
        raise AttackError(f"{pool.label}: the files contradict relation {rows[np.argmax(broken)]}")
    free = np.flatnonzero(~fixed)
    low, high = lower.copy(), upper.copy()
    structure = free_matrix[active]
    n_rows = structure.shape[0]
    graph = sparse.bmat([[None, structure], [structure.T, None]]).tocsr()
    _, labels = connected_components(graph, directed=False)
    variable_block = labels[n_rows:]
    row_block = labels[:n_rows]
    is_count = ~variables[free].str.startswith("e|") & variables[free].isin(pool.cells["cell"])
    active_rows = np.flatnonzero(active)
    for block in np.unique(variable_block[is_count]):
        columns = np.flatnonzero(variable_block == block)
        block_rows = np.flatnonzero(row_block == block)
        if len(block_rows) == 0:
            continue
        solver = _Block(
            structure[block_rows][:, columns].tocsc(),
            row_lo[active_rows[block_rows]],
            row_hi[active_rows[block_rows]],
            lower[free[columns]],
            upper[free[columns]],
        )
        for position in np.flatnonzero(is_count[columns]):
            try:
                found = solver.range(position)
                if 0 < np.floor(found[1] + tolerance) - np.ceil(found[0] - tolerance) <= MILP_WIDTH:
                    found = solver.range(position, integral=True)
            except AttackError:
                raise AttackError(
                    f"{pool.label}: the files contradict the relations around {variables[free[columns[position]]]}"
                ) from None
            low[free[columns[position]]], high[free[columns[position]]] = found
    result = pd.DataFrame({"cell": variables, "low": np.ceil(low - tolerance), "high": np.floor(high + tolerance)})
    result = result[result["cell"].isin(pool.cells["cell"])].merge(pool.cells, on="cell")
    result["is_exposed"] = result["is_withheld"] & (result["low"] == result["high"])
    return result


# --------------------------------------------------------------------------------------------------
# The audit


@dataclass
class PoolAudit:
    """Both attacks on one pool. `counts`: attack 1 per cell with candidates; `ranges`: attack 2 per
    count (low, high); `computed_from`: what the files turned out to be computed from."""

    pool: Pool
    counts: pd.DataFrame
    ranges: pd.DataFrame
    computed_from: str

    @property
    def leaks(self) -> pd.DataFrame:
        """Counts recovered exactly from their own columns, beyond the rounding rule."""
        return self.counts[self.counts["is_leak"]]

    @property
    def exposed(self) -> pd.DataFrame:
        """Withheld counts the relations pin to one value."""
        return self.ranges[self.ranges["is_exposed"]]

    @property
    def pinned(self) -> pd.DataFrame:
        """Published counts the relations pin to a value other than the published one, that attack 1
        did not already recover."""
        ranges = self.ranges
        pinned = ~ranges["is_withheld"] & (ranges["low"] == ranges["high"]) & (ranges["low"] != ranges["published"])
        return ranges[pinned & ~ranges["cell"].isin(self.leaks["cell"])]

    @property
    def narrowest(self) -> pd.DataFrame:
        """The withheld counts with the narrowest feasible range."""
        withheld = self.ranges[self.ranges["is_withheld"]].assign(width=lambda f: f["high"] - f["low"])
        return withheld[withheld["width"] == withheld["width"].min()]


def pool_relations(pool: Pool, facts: Facts, counts: pd.DataFrame) -> tuple[Relations, bool]:
    """Every relation attack 2 writes for a pool, and whether the files are taken as computed from
    true counts (attack 1, `counts`, refuted the rounded hypothesis) rather than rounded ones."""
    derived = _derived_relations(pool, pool.constraints, pool.codes)
    from_true = bool(counts["refutes_rounding"].any())
    if not from_true:
        derived = _as_rounded(pool, derived)
    family = _family_relations(pool, facts)
    return Relations(family.terms + derived.terms, family.limits + derived.limits), from_true


def _attack_pool(pool: Pool, facts: Facts) -> PoolAudit:
    counts = attack_counts(pool)
    relations, from_true = pool_relations(pool, facts, counts)
    ranges = attack_withheld(pool, relations, counts if from_true else None)
    return PoolAudit(pool, counts, ranges, "true counts" if from_true else "rounded counts")


def audit_build(folder: Path, build: int = 0) -> list[PoolAudit]:
    """Attacks 1 and 2 on one build's exports, pool by pool."""
    tables = read_exports(folder)
    facts = public_facts(tables)
    return [_attack_pool(pool, facts) for pool in build_pools(tables, facts, build)]


def attack_changes(later: list[PoolAudit], earlier: list[PoolAudit]) -> pd.DataFrame:
    """Attack 3: the range of (later - earlier) of every count both builds publish or withhold in the
    same pool. No relation ties two builds together, so the range is the later range less the earlier;
    exposed when exact, unless both builds publish 0."""
    found = []
    earlier_by_key = {(a.pool.commission, a.pool.rule): a for a in earlier}
    for audit in later:
        previous = earlier_by_key.get((audit.pool.commission, audit.pool.rule))
        if previous is None:
            continue
        both = audit.ranges.merge(previous.ranges, on="cell", suffixes=("", "_earlier"))
        both = both.assign(
            change_low=both["low"] - both["high_earlier"],
            change_high=both["high"] - both["low_earlier"],
            pool=audit.pool.label,
        )
        zeros = (both["published"] == 0) & (both["published_earlier"] == 0)
        both["is_exposed"] = (both["change_low"] == both["change_high"]) & ~zeros
        found.append(
            both[
                ["pool", "cell", "source", "published", "published_earlier", "change_low", "change_high", "is_exposed"]
            ]
        )
    return (
        pd.concat(found, ignore_index=True)
        if found
        else pd.DataFrame(
            columns=[
                "pool",
                "cell",
                "source",
                "published",
                "published_earlier",
                "change_low",
                "change_high",
                "is_exposed",
            ]
        )
    )


@dataclass
class Audit:
    """Everything the attacks found over one or more builds (builds[0] the latest)."""

    builds: list[list[PoolAudit]]
    changes: list[pd.DataFrame]

    @property
    def is_clean(self) -> bool:
        return not any(
            a.pool.findings or len(a.leaks) or len(a.exposed) or len(a.pinned) for build in self.builds for a in build
        ) and not any(changes["is_exposed"].any() for changes in self.changes)


def audit(folders: Iterable[Path]) -> Audit:
    """All three attacks on the exports of successive builds, the latest first."""
    builds = [audit_build(Path(folder), build) for build, folder in enumerate(folders)]
    return Audit(builds, [attack_changes(later, earlier) for later, earlier in itertools.pairwise(builds)])


def _value(value: float) -> str:
    return "withheld" if pd.isna(value) else f"{value:g}"


def _examples(frame: pd.DataFrame, describe: Callable[[pd.Series], str], limit: int) -> list[str]:
    return [f"      {describe(row)}" for _, row in frame.head(limit).iterrows()] + (
        [f"      ... and {len(frame) - limit:,} more"] if len(frame) > limit else []
    )


def report(result: Audit, folders: list[Path], limit: int = 5) -> list[str]:
    """What the attacks recovered, as printed lines."""
    lines = []
    for build, (folder, audits) in enumerate(zip(folders, result.builds, strict=True)):
        files = sum(len(a.pool.tables) for a in audits)
        lines.append(f"build {build} ({folder}): {files} files in {len(audits)} pools")
        for a in audits:
            cells = a.pool.cells
            lines.append(
                f"  {a.pool.label}: {(~cells['is_withheld']).sum():,} published counts, "
                f"{cells['is_withheld'].sum():,} withheld; files computed from {a.computed_from}"
            )
            lines += [f"    ! {finding}" for finding in a.pool.findings[:limit]]
            recovered = a.counts[a.counts["is_recovered"] & a.counts["published"].notna()]
            lines.append(
                f"    attack 1 (each count from its own columns): one candidate fits {len(recovered):,} "
                f"published counts; {len(a.leaks):,} counts recovered beyond the rounding rule"
            )
            lines += _examples(
                a.leaks,
                lambda r: (
                    f"{r['cell']} ({r['source'] if pd.notna(r['source']) else 'no file'}"
                    "): "
                    f"published {_value(r['published'])}, recovered {r['low']:g}"
                ),
                limit,
            )
            withheld = a.ranges[a.ranges["is_withheld"]]
            lines.append(
                f"    attack 2 (withheld counts from every total): {len(a.exposed):,} exposed of "
                f"{len(withheld):,} withheld, {len(a.pinned):,} published counts pinned beyond attack 1"
            )
            lines += _examples(
                pd.concat([a.exposed, a.pinned]),
                lambda r: f"{r['cell']} ({r['source']}): published {_value(r['published'])}, exactly {r['low']:g}",
                limit,
            )
            if len(withheld):
                narrowest = a.narrowest
                lines.append(
                    f"      narrowest range: {narrowest['cell'].iloc[0]} {narrowest['low'].iloc[0]:g} to "
                    f"{narrowest['high'].iloc[0]:g} (as narrow for {len(narrowest):,} withheld counts)"
                )
    for build, changes in enumerate(result.changes):
        exposed = changes[changes["is_exposed"]]
        lines.append(
            f"attack 3 (change of one person, build {build} against build {build + 1}): {len(exposed):,} "
            f"exact changes of {len(changes):,} counts in both"
        )
        lines += _examples(
            exposed,
            lambda r: (
                f"{r['cell']} ({r['source']}): {_value(r['published_earlier'])} then "
                f"{_value(r['published'])}, changed by exactly {r['change_low']:+g}"
            ),
            limit,
        )
    lines.append(
        "nothing recovered beyond what the rounding rule releases"
        if result.is_clean
        else "DISCLOSIVE: the files give away more than the rounding rule releases"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m insight_hub.disclosure_attack", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "folders",
        nargs="+",
        type=Path,
        help="one build's export folder, then the export folders of earlier builds (latest first)",
    )
    parser.add_argument("--examples", type=int, default=5, help="findings printed per attack and pool")
    args = parser.parse_args(argv)
    try:
        result = audit(args.folders)
    except AttackError as error:
        print(f"attack refused: {error}", file=sys.stderr)
        return 2
    print("\n".join(report(result, args.folders, args.examples)))
    return 0 if result.is_clean else 1


if __name__ == "__main__":
    sys.exit(main())
