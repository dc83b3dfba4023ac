"""The ground truth: which real (synthetic) person every delivered row is about,
and every person. Written outside the landing folder; dbt never reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from insight_hub.borough.delivery import DeliveryFile
from insight_hub.borough.population import RESIDENT, Population

RECORDS_SCHEMA = pa.schema(
    [
        ("commission_id", pa.string()),
        ("service", pa.string()),
        ("source_table", pa.string()),
        ("delivery_file", pa.string()),
        ("row_number", pa.int64()),
        ("record_ref", pa.string()),
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("faults", pa.string()),
    ]
)
PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("is_resident", pa.bool_()),
        ("sex", pa.string()),
        ("birth_year", pa.int32()),
        ("ethnic_group_code", pa.int32()),
        ("lsoa21_code", pa.string()),
    ]
)


def record_truth(commission: str, delivered: DeliveryFile, household_of: np.ndarray) -> pa.Table:
    """One truth row per data row of a delivered file (row_number is 1-based, header excluded).
    `household_of[person_id]` is the person's household at --as-of."""
    n = delivered.rows
    return pa.table(
        {
            "commission_id": pa.array([commission] * n, pa.string()),
            "service": pa.array([delivered.spec.service] * n, pa.string()),
            "source_table": pa.array([delivered.spec.source_table] * n, pa.string()),
            "delivery_file": pa.array([delivered.name] * n, pa.string()),
            "row_number": pa.array(np.arange(1, n + 1), pa.int64()),
            "record_ref": pa.array(delivered.record_ref.astype(str).astype(object), pa.string()),
            "person_id": pa.array(delivered.person_id, pa.int64()),
            "household_id": pa.array(household_of[delivered.person_id], pa.int64()),
            "faults": pa.array(delivered.faults, pa.string()),
        },
        schema=RECORDS_SCHEMA,
    )


def person_truth(population: Population, lsoa_codes: np.ndarray) -> pa.Table:
    persons = population.persons
    resident = persons["kind"].to_numpy() == RESIDENT
    lsoa = population.addresses["lsoa"].to_numpy()[persons["addr"].to_numpy()]
    dob = persons["dob"].to_numpy().astype("datetime64[D]")
    return pa.table(
        {
            "person_id": pa.array(persons["person_id"].to_numpy(), pa.int64()),
            "household_id": pa.array(persons["household_id"].to_numpy(), pa.int64()),
            "is_resident": pa.array(resident, pa.bool_()),
            "sex": pa.array(np.where(persons["male"].to_numpy(), "M", "F"), pa.string()),
            "birth_year": pa.array(dob.astype("datetime64[Y]").astype(np.int64) + 1970, pa.int32()),
            "ethnic_group_code": pa.array(persons["group"].to_numpy(), pa.int32()),
            "lsoa21_code": pa.array(
                np.where(resident & (lsoa >= 0), lsoa_codes[np.maximum(lsoa, 0)], None), pa.string()
            ),
        },
        schema=PERSONS_SCHEMA,
    )


def household_lookup(population: Population) -> np.ndarray:
    """household_id indexed by person_id."""
    persons = population.persons
    lookup = np.zeros(int(persons["person_id"].max()) + 1, dtype=np.int64)
    lookup[persons["person_id"].to_numpy()] = persons["household_id"].to_numpy()
    return lookup


def write_truth(folder: Path, records: list[pa.Table], persons: pa.Table) -> int:
    """Write records.parquet and persons.parquet; return the number of record rows."""
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.concat_tables(records) if records else RECORDS_SCHEMA.empty_table()
    pq.write_table(table, folder / "records.parquet", compression="zstd")
    pq.write_table(persons, folder / "persons.parquet", compression="zstd")
    return table.num_rows
