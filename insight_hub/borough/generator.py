"""`generate_borough(config)`: the whole run, used by the CLI, the tests and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import pyarrow as pa

from insight_hub.borough.codes import EthnicityCoder, read_ethnicity_codes, read_nicknames
from insight_hub.borough.config import BoroughConfig
from insight_hub.borough.delivery import Context, DeliveryFile
from insight_hub.borough.extracts import BUILDERS, SPECS
from insight_hub.borough.geography import build_geography
from insight_hub.borough.names import NameBook
from insight_hub.borough.population import RESIDENT, build_population
from insight_hub.borough.reference import write_reference
from insight_hub.borough.shapes import write_boundaries
from insight_hub.borough.truth import household_lookup, person_truth, record_truth, write_truth
from insight_hub.borough.writers import write_csv, write_parquet, write_xlsx


@dataclass(frozen=True)
class FileSummary:
    path: str  # relative to the landing folder
    rows: int


@dataclass(frozen=True)
class BoroughSummary:
    residents: int
    households: int
    persons: int  # residents and the non-residents who appear in extracts
    reference: tuple[FileSummary, ...]
    extracts: tuple[FileSummary, ...]
    truth_records: int
    seconds: float

    @property
    def extract_rows(self) -> int:
        return sum(f.rows for f in self.extracts)


def generate_borough(config: BoroughConfig, log: Callable[[str], None] | None = None) -> BoroughSummary:
    """Write the reference files, the synthetic boundaries (if `config.boundaries`), the extracts
    of `config.services` and the ground truth.

    `log` receives short progress lines (what, rows, elapsed seconds)."""
    started = perf_counter()

    def say(message: str) -> None:
        if log:
            log(f"{message} ({perf_counter() - started:.1f} s)")

    periods = ", ".join(p.label for p in config.periods)
    if log:
        log(
            f"borough: scale {config.scale:g}, seed {config.seed}, as of {config.as_of}, deliveries {periods}, "
            f"fault profile {config.fault_profile}"
        )
    geo = build_geography(config.seed)
    say(
        f"geography: {len(geo.wards)} wards, {len(geo.lsoas)} LSOAs, {int(geo.postcodes['live'].sum()):,} live postcodes"
    )
    population = build_population(config, geo, NameBook())
    n_residents = int((population.persons["kind"] == RESIDENT).sum())
    say(
        f"population: {n_residents:,} residents in {len(population.households):,} households, "
        f"{len(population.persons) - n_residents:,} non-residents"
    )
    reference_rows = write_reference(config.landing / "reference", geo, population, config.as_of)
    reference = tuple(FileSummary(f"reference/{name}", rows) for name, rows in reference_rows.items())
    say(f"reference: {len(reference)} files, {sum(reference_rows.values()):,} rows")
    if config.boundaries is not None:
        features = write_boundaries(config.boundaries, geo)
        say(f"boundaries (synthetic): {', '.join(f'{name} {n} areas' for name, n in features.items())}")

    context = Context(config, geo, population, EthnicityCoder(read_ethnicity_codes()), read_nicknames())
    households = household_lookup(population)
    truth: list[pa.Table] = []
    extracts: list[FileSummary] = []
    for table, spec in SPECS.items():
        if spec.service not in config.services:
            continue
        folder = config.landing / config.commission / spec.service
        _remove_earlier_deliveries(folder, spec.single_file or f"{table}_*.{spec.fmt.extension}")
        for delivered in BUILDERS[table](context):
            _write(delivered, folder / delivered.name)
            truth.append(record_truth(config.commission, delivered, households))
            extracts.append(FileSummary(f"{config.commission}/{spec.service}/{delivered.name}", delivered.rows))
            say(f"{spec.service}/{delivered.name}: {delivered.rows:,} rows")
    lsoa_codes = geo.lsoas["code"].to_numpy()
    truth_rows = write_truth(config.truth, truth, person_truth(population, lsoa_codes))
    say(f"ground truth: {truth_rows:,} records, {len(population.persons):,} persons")
    return BoroughSummary(
        residents=n_residents,
        households=len(population.households),
        persons=len(population.persons),
        reference=reference,
        extracts=tuple(extracts),
        truth_records=truth_rows,
        seconds=perf_counter() - started,
    )


def _remove_earlier_deliveries(folder: Path, pattern: str) -> None:
    """Delete this extract's files from an earlier run, so the folder holds exactly this run's deliveries."""
    if folder.is_dir():
        for path in folder.glob(pattern):
            path.unlink()


def _write(delivered: DeliveryFile, path: Path) -> None:
    fmt = delivered.spec.fmt
    if fmt.kind == "parquet":
        assert isinstance(delivered.content, pa.Table)
        write_parquet(delivered.content, path)
    elif fmt.kind == "xlsx":
        assert not isinstance(delivered.content, pa.Table)
        write_xlsx(delivered.content, path, fmt.sheet, delivered.stamped)
    else:
        assert not isinstance(delivered.content, pa.Table)
        write_csv(delivered.content, path, fmt.sep)
