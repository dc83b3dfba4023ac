"""Adult social care: services to clients (mostly 65 and over), a typed Parquet file."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import NO_DATE, age_years
from insight_hub.borough.delivery import (
    PARQUET,
    Context,
    DeliveryFile,
    ExtractSpec,
    choose,
    deliver,
    person_records,
    sequential_ids,
    sex_labels,
    uniform_days,
)
from insight_hub.borough.extracts.common import (
    address_fields,
    person_column,
    refs_in_order,
    repeat_events,
    resident_persons,
    sample_people,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.streams import categorical, unique_draws

ASC_SERVICES_SPEC = ExtractSpec(
    "adult_social_care", "asc_services", PARQUET, FieldSet(text_dates=False, nhs_number=True), time(2, 5, 33)
)

ASC_REASONS_OLDER = {
    "Physical Support": 0.6,
    "Support with Memory and Cognition": 0.18,
    "Sensory Support": 0.05,
    "Social Support": 0.07,
    "Mental Health Support": 0.1,
}
ASC_REASONS_YOUNGER = {
    "Learning Disability Support": 0.35,
    "Mental Health Support": 0.3,
    "Physical Support": 0.25,
    "Sensory Support": 0.05,
    "Social Support": 0.05,
}
ASC_SERVICES = {
    "Home care": 0.32,
    "Residential care": 0.1,
    "Nursing care": 0.06,
    "Direct payment": 0.14,
    "Day opportunities": 0.1,
    "Reablement": 0.16,
    "Equipment": 0.12,
}
ASC_SCHEMA = pa.schema(
    [
        ("SERVICE_ID", pa.int64()),
        ("PERSON_ID", pa.int64()),
        ("FORENAME", pa.string()),
        ("SURNAME", pa.string()),
        ("DATE_OF_BIRTH", pa.date32()),
        ("GENDER", pa.string()),
        ("ETHNICITY", pa.string()),
        ("NHS_NUMBER", pa.string()),
        ("ADDRESS", pa.string()),
        ("POSTCODE", pa.string()),
        ("UPRN", pa.int64()),
        ("PRIMARY_SUPPORT_REASON", pa.string()),
        ("SERVICE_TYPE", pa.string()),
        ("REFERRAL_DATE", pa.date32()),
        ("SERVICE_START_DATE", pa.date32()),
        ("SERVICE_END_DATE", pa.date32()),
        ("HAS_DISABILITY", pa.bool_()),
        ("EXTRACT_DATETIME", pa.timestamp("s")),
    ]
)


def asc_services(ctx: Context) -> list[DeliveryFile]:
    """Adult social care services: clients mostly 65 and over, one to three services each."""
    rng = ctx.rng("asc_services")
    candidates = resident_persons(ctx)
    age = age_years(person_column(ctx, "dob", candidates), ctx.as_of)
    disabled = person_column(ctx, "disabled", candidates)
    weight = np.where(age >= 65, 3 * np.exp((age - 65) / 8), np.where(age >= 18, 0.15, 0.0))
    weight = weight * np.where(disabled, 4.0, 1.0) * np.exp(0.8 * ctx.deprivation[candidates])
    clients, low, high = sample_people(
        ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["asc_clients"]), min_age=18
    )
    referral = uniform_days(rng, low, np.maximum(low, high - 7))
    counts = 1 + categorical(rng, [0.5, 0.35, 0.15], len(clients))
    first_start = np.minimum(referral + rng.integers(0, 61, len(clients)), high)
    owner, start = repeat_events(rng, first_start, high, counts, (7, 300))
    person = clients[owner]
    records = person_records(ctx, person, start)
    n = len(records)
    records["referral"] = referral[owner]
    ends = start + rng.integers(7, 500, n)
    records["end"] = np.where((rng.random(n) < 0.55) & (ends <= ctx.last_day), ends, NO_DATE)
    records["record_ref"] = refs_in_order(start, sequential_ids(rng, n, 3_100_000)).astype(str).astype(object)
    records["system_id"] = _system_ids(rng, person, 100_000, 999_999)
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Unknown": 0.005})
    records["ethnicity"] = ctx.coder.encode("nhs_ethnic_category", records["group"].to_numpy(), rng)
    older = age_years(records["dob"].to_numpy(), start) >= 65
    records["reason"] = np.where(older, choose(rng, ASC_REASONS_OLDER, n), choose(rng, ASC_REASONS_YOUNGER, n))
    records["service_type"] = choose(rng, ASC_SERVICES, n)
    records["has_disability"] = person_column(ctx, "disabled", person) | (rng.random(n) < 0.5)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pa.Table:
        a = address_fields(ctx, r["addr"].to_numpy())
        uprn = a["uprn"].to_numpy()
        columns = {
            "SERVICE_ID": r["record_ref"].astype(np.int64).to_numpy(),
            "PERSON_ID": r["system_id"].to_numpy(),
            "FORENAME": _nullable(r["forename"]),
            "SURNAME": _nullable(r["surname"]),
            "DATE_OF_BIRTH": _dates32(r["dob"].to_numpy()),
            "GENDER": r["gender"].to_numpy(dtype=object),
            "ETHNICITY": r["ethnicity"].to_numpy(dtype=object),
            "NHS_NUMBER": _nullable(r["nhs"]),
            "ADDRESS": a["one_line"].to_numpy(dtype=object),
            "POSTCODE": _nullable(r["postcode"]),
            "UPRN": pa.array(uprn, mask=uprn == 0, type=pa.int64()),
            "PRIMARY_SUPPORT_REASON": r["reason"].to_numpy(dtype=object),
            "SERVICE_TYPE": r["service_type"].to_numpy(dtype=object),
            "REFERRAL_DATE": _dates32(r["referral"].to_numpy()),
            "SERVICE_START_DATE": _dates32(r["event"].to_numpy()),
            "SERVICE_END_DATE": _dates32(r["end"].to_numpy()),
            "HAS_DISABILITY": r["has_disability"].to_numpy(dtype=bool),
            "EXTRACT_DATETIME": pa.array([stamped] * len(r), type=pa.timestamp("s")),
        }
        return pa.table(
            {name: pa.array(columns[name], type=ASC_SCHEMA.field(name).type) for name in ASC_SCHEMA.names},
            schema=ASC_SCHEMA,
        )

    return deliver(ctx, ASC_SERVICES_SPEC, records, render)


def _nullable(values: pd.Series) -> np.ndarray:
    """Text with '' as null (a typed system stores a missing value, not an empty string)."""
    out = values.to_numpy(dtype=object).copy()
    out[out == ""] = None
    return out


def _dates32(days: np.ndarray) -> pa.Array:
    return pa.array(np.where(days == NO_DATE, 0, days).astype(np.int32), mask=days == NO_DATE, type=pa.date32())


def _system_ids(rng: np.random.Generator, person: np.ndarray, low: int, high: int) -> np.ndarray:
    """A case system's own person identifier: one random id per distinct person."""
    distinct, inverse = np.unique(person, return_inverse=True)
    return unique_draws(rng, low, high, len(distinct))[inverse]
