"""From records to delivered files: the context every extract builder works in,
the person fields a record copies, faults, the split into monthly deliveries,
duplicate rows and the ground truth of each delivered row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from insight_hub.borough.codes import EthnicityCoder
from insight_hub.borough.config import UNSEEN_FAULT_NAMES, BoroughConfig, Period
from insight_hub.borough.dates import NO_DATE, components, day_number, format_with_alternatives, from_components
from insight_hub.borough.faults import COLUMN, FieldSet, apply_faults, fault_labels, surname_events
from insight_hub.borough.geography import Geography
from insight_hub.borough.population import HEAD, PARTNER, RESIDENT, Population
from insight_hub.borough.streams import stream


@dataclass(frozen=True)
class FileFormat:
    kind: Literal["csv", "parquet", "xlsx"]
    extension: str
    sep: str = ","
    sheet: str = ""


CSV = FileFormat("csv", "csv")
PIPE = FileFormat("csv", "txt", sep="|")
SEMICOLON = FileFormat("csv", "csv", sep=";")
PARQUET = FileFormat("parquet", "parquet")


@dataclass(frozen=True)
class ExtractSpec:
    """One source table: where its files go, how they are written, what faults can touch.
    `time_of_day` is when the supplying system runs its extract."""

    service: str
    source_table: str
    fmt: FileFormat
    fields: FieldSet
    time_of_day: time = time(6, 0)
    single_file: str | None = None  # snapshot overwritten each delivery, written once under this name


@dataclass
class DeliveryFile:
    """One delivered file and, per data row, the truth about it."""

    spec: ExtractSpec
    name: str
    content: pd.DataFrame | pa.Table
    record_ref: np.ndarray
    person_id: np.ndarray
    faults: np.ndarray
    stamped: datetime

    @property
    def rows(self) -> int:
        return len(self.record_ref)


@dataclass
class Context:
    """What extract builders share: configuration, geography, people, code lists."""

    config: BoroughConfig
    geo: Geography
    population: Population
    coder: EthnicityCoder
    nicknames: Mapping[str, tuple[str, ...]]
    #: results shared by builders of one service (e.g. CTR claims for both revenues files)
    cache: dict[str, object] = field(default_factory=dict)
    as_of: int = field(init=False)
    window_start: int = field(init=False)  # first event day: three years before as_of
    last_day: int = field(init=False)  # last event day: end of the last delivery period
    periods: tuple[Period, ...] = field(init=False)
    period_ends: np.ndarray = field(init=False)
    deprivation: np.ndarray = field(init=False)
    arrival: np.ndarray = field(init=False)
    #: per person: partner's surname and a surname change (the unseen profile's faults; None when off)
    surnames: pd.DataFrame | None = field(init=False)

    def __post_init__(self) -> None:
        self.as_of = day_number(self.config.as_of)
        self.window_start = day_number(self.config.window_start)
        self.periods = self.config.periods
        self.period_ends = np.array([day_number(p.end) for p in self.periods])
        self.last_day = int(self.period_ends[-1])
        persons = self.population.persons
        addresses = self.population.addresses
        lsoa = addresses["lsoa"].to_numpy()[persons["addr"].to_numpy()]
        #: national deprivation percentile of each person's home (0.5 outside the borough)
        self.deprivation = np.where(lsoa >= 0, self.geo.lsoas["dep"].to_numpy()[np.maximum(lsoa, 0)], 0.5)
        n_properties = len(self.population.properties)
        moved_in = (persons["move_date"].to_numpy() != NO_DATE) & (persons["prev_addr"].to_numpy() >= n_properties)
        #: first day a person can have a council service event (arrival for people who moved in)
        self.arrival = np.where(moved_in, persons["move_date"].to_numpy(), self.window_start)
        self.surnames = None
        if self.unseen_faults:
            self.surnames = surname_events(
                persons,
                self.population.names,
                stream(self.config.seed, "faults", "married_surname"),
                self.config.fault_rates["married_surname"],
                (self.window_start, self.last_day),
                _partners(persons),
            )

    @property
    def unseen_faults(self) -> bool:
        """Whether any of the unseen profile's faults is on."""
        return any(self.config.fault_rates[name] > 0 for name in UNSEEN_FAULT_NAMES)

    def rng(self, *names: str) -> np.random.Generator:
        return stream(self.config.seed, "extract", *names)

    def birthday(self, person: np.ndarray, years: int) -> np.ndarray:
        """Day of each person's `years`-th birthday."""
        y, m, d = components(self.population.persons["dob"].to_numpy()[person])
        return from_components(y + years, m, d)

    def event_bounds(
        self, person: np.ndarray, min_age: int = 0, max_age: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Earliest and latest event day for each person within the three-year window,
        at ages min_age..max_age (inclusive) and after any move into the borough."""
        low = np.maximum(np.maximum(self.window_start, self.arrival[person]), self.birthday(person, min_age))
        high = np.full(len(person), self.last_day, dtype=np.int64)
        if max_age is not None:
            high = np.minimum(high, self.birthday(person, max_age + 1) - 1)
        return low, high


def _partners(persons: pd.DataFrame) -> np.ndarray:
    """Person index of each resident head's partner and each partner's head (-1 otherwise)."""
    hh = persons["hh"].to_numpy()
    role = persons["role"].to_numpy()
    resident = persons["kind"].to_numpy() == RESIDENT
    n_households = int(hh.max()) + 1 if len(hh) else 0
    head = np.full(n_households, -1, dtype=np.int64)
    partner = np.full(n_households, -1, dtype=np.int64)
    heads = np.flatnonzero(resident & (role == HEAD))
    partners = np.flatnonzero(resident & (role == PARTNER))
    head[hh[heads]] = heads
    partner[hh[partners]] = partners
    out = np.full(len(persons), -1, dtype=np.int64)
    out[heads] = partner[hh[heads]]
    out[partners] = head[hh[partners]]
    return out


def uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day drawn uniformly in [low, high] per row."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def person_records(ctx: Context, person: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """The identifying fields a record copies from its person, with the address the
    person had on the event day (and, after a move, the previous one as `stale_addr`)."""
    persons = ctx.population.persons
    names = ctx.population.names
    p = persons.iloc[person]
    forenames = names.forenames
    middle1 = p["middle1"].to_numpy()
    middle2 = p["middle2"].to_numpy()
    middle = np.where(middle1 >= 0, forenames[np.maximum(middle1, 0)], "")
    middle = np.where(middle2 >= 0, middle + " " + forenames[np.maximum(middle2, 0)], middle)
    prev = p["prev_surname"].to_numpy()
    move = p["move_date"].to_numpy()
    previous = p["prev_addr"].to_numpy()
    moved = (move != NO_DATE) & (previous >= 0)
    before_move = moved & (event < move)
    return pd.DataFrame(
        {
            "person": person,
            "person_id": p["person_id"].to_numpy(),
            "event": event.astype(np.int64),
            "forename": forenames[p["forename"].to_numpy()],
            "middle": middle.astype(object),
            "surname": names.surnames[p["surname"].to_numpy()],
            "prev_surname": np.where(prev >= 0, names.surnames[np.maximum(prev, 0)], "").astype(object),
            "male": p["male"].to_numpy(),
            "dob": p["dob"].to_numpy(),
            "group": p["group"].to_numpy(),
            "title": p["title"].to_numpy(),
            "nhs": p["nhs"].astype(str).to_numpy(dtype=object),
            "addr": np.where(before_move, previous, p["addr"].to_numpy()),
            "stale_addr": np.where(moved & ~before_move, previous, -1),
        }
    )


def choose(rng: np.random.Generator, options: Mapping[str, float], n: int) -> np.ndarray:
    """`n` labels drawn with the given weights."""
    labels = np.array(list(options), dtype=object)
    weights = np.array(list(options.values()), dtype=float)
    return labels[rng.choice(len(labels), size=n, p=weights / weights.sum())]


def sex_labels(
    rng: np.random.Generator, male: np.ndarray, female_label: str, male_label: str, other: Mapping[str, float]
) -> np.ndarray:
    """Sex in a system's coding; a share of rows gets one of the `other` labels."""
    out = np.where(male, male_label, female_label).astype(object)
    u = rng.random(len(male))
    threshold = 0.0
    for label, share in other.items():
        out[(u >= threshold) & (u < threshold + share)] = label
        threshold += share
    return out


def sequential_ids(rng: np.random.Generator, n: int, start: int, max_gap: int = 3) -> np.ndarray:
    """Increasing integers from about `start`, with small random gaps (like a case system's keys)."""
    return start + np.cumsum(rng.integers(1, max_gap + 1, n))


Render = Callable[[pd.DataFrame, Period, datetime], pd.DataFrame | pa.Table]


def deliver(ctx: Context, spec: ExtractSpec, records: pd.DataFrame, render: Render) -> list[DeliveryFile]:
    """Fault the records, split them into deliveries, render each file.

    `records` holds the canonical columns of `person_records`, `record_ref` (text
    exactly as written) and, for snapshots, `period` (index into ctx.periods).
    Increments go to the period of their event (the first period also takes
    everything earlier). Rows are ordered by event day, then record reference."""
    rng = ctx.rng(spec.source_table, "faults")
    records = records.reset_index(drop=True)
    unseen_rng = None
    if ctx.surnames is not None:
        unseen_rng = ctx.rng(spec.source_table, "faults", "unseen")
        surnames = ctx.surnames.iloc[records["person"].to_numpy()].reset_index(drop=True)
        records = pd.concat([records, surnames], axis=1)
    flags = apply_faults(
        records,
        spec.fields,
        ctx.config.fault_rates,
        rng,
        ctx.nicknames,
        ctx.population.addresses["postcode"].to_numpy(),
        unseen_rng,
    )
    records["mixed_format"] = flags[:, COLUMN["mixed_date_format"]]
    records["dob_month_only"] = flags[:, COLUMN["birth_date_missing_day"]]
    records["alt_format"] = rng.integers(0, 4, len(records))
    duplicate = flags[:, COLUMN["duplicate_row"]].copy()
    labels_copy = fault_labels(flags)  # the second delivery of a duplicated row
    flags[:, COLUMN["duplicate_row"]] = False
    labels = fault_labels(flags)  # every row as first delivered
    if "period" not in records:
        records["period"] = np.minimum(
            np.searchsorted(ctx.period_ends, records["event"].to_numpy(), side="left"), len(ctx.periods) - 1
        )
    order = np.lexsort(
        (records["record_ref"].to_numpy(dtype=str), records["event"].to_numpy(), records["period"].to_numpy())
    )
    files = []
    period_of = records["period"].to_numpy()
    for k, period in enumerate(ctx.periods):
        rows = order[period_of[order] == k]
        if spec.single_file and k != len(ctx.periods) - 1:
            continue
        stamped = datetime.combine(period.extracted, spec.time_of_day)
        content = render(records.iloc[rows].reset_index(drop=True), period, stamped)
        # Each duplicated row is delivered again straight after itself.
        repeat = np.where(duplicate[rows], 2, 1)
        take = np.repeat(np.arange(len(rows)), repeat)
        content = content.take(take) if isinstance(content, pa.Table) else content.iloc[take].reset_index(drop=True)
        second = np.r_[False, take[1:] == take[:-1]]
        faults = np.where(second, labels_copy[rows][take], labels[rows][take])
        name = spec.single_file or f"{spec.source_table}_{period.label}.{spec.fmt.extension}"
        files.append(
            DeliveryFile(
                spec=spec,
                name=name,
                content=content,
                record_ref=records["record_ref"].to_numpy(dtype=object)[rows][take],
                person_id=records["person_id"].to_numpy()[rows][take],
                faults=faults,
                stamped=stamped,
            )
        )
    return files


def text_dates(records: pd.DataFrame, column: str, template: str) -> np.ndarray:
    """Dates of `column` in the system's format; rows with the mixed_date_format
    fault in another common format; dates of birth with the birth_date_missing_day
    fault without their day."""
    return format_with_alternatives(
        records[column].to_numpy(),
        template,
        records["mixed_format"].to_numpy(),
        records["alt_format"].to_numpy(),
        records["dob_month_only"].to_numpy() if column == "dob" else None,
    )
