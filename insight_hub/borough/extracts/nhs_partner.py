"""NHS partner: everyone registered with a Barnet GP, with long-term conditions and use of hospital care."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from insight_hub.borough.config import Period
from insight_hub.borough.dates import COMPACT, NO_DATE, age_years
from insight_hub.borough.delivery import (
    CSV,
    Context,
    DeliveryFile,
    ExtractSpec,
    deliver,
    person_records,
    sequential_ids,
    sex_labels,
    text_dates,
)
from insight_hub.borough.extracts.common import refs_in_order
from insight_hub.borough.faults import FieldSet

NHS_PARTNER_EXTRACT_SPEC = ExtractSpec("nhs_partner", "nhs_partner_extract", CSV, FieldSet(nhs_number=True))

FRAILTY = ("Fit", "Mild", "Moderate", "Severe")


def nhs_partner_extract(ctx: Context) -> list[DeliveryFile]:
    """Everyone registered with a Barnet GP (residents and ghost registrations), by
    registration date: the first delivery holds all earlier registrations."""
    rng = ctx.rng("nhs_partner_extract")
    persons = ctx.population.persons
    registered = persons["gp_registered"].to_numpy()
    person = np.flatnonzero(registered != NO_DATE)
    event = registered[person]
    records = person_records(ctx, person, event)
    n = len(records)
    records["record_ref"] = refs_in_order(event, sequential_ids(rng, n, 10_000_000, 2)).astype(str).astype(object)
    records["spaced"] = rng.random(n) < 0.3
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "2", "1", {"0": 0.001, "9": 0.002})
    records["ethnicity"] = ctx.coder.encode("nhs_ethnic_category", records["group"].to_numpy(), rng)
    ward = ctx.population.addresses["ward"].to_numpy()[records["addr"].to_numpy()]
    practices = ctx.geo.practices
    practice = rng.integers(0, len(practices), n)
    local = (ward >= 0) & (rng.random(n) < 0.85)
    by_ward = [np.flatnonzero(practices["ward"].to_numpy() == w) for w in range(len(ctx.geo.wards))]
    pick = rng.random(n)
    for w, options in enumerate(by_ward):
        rows = np.flatnonzero(local & (ward == w))
        practice[rows] = options[(pick[rows] * len(options)).astype(int)]
    records["practice"] = practices["code"].to_numpy()[practice]
    age = age_years(records["dob"].to_numpy(), ctx.as_of)
    dep = ctx.deprivation[person]
    older = np.clip((age - 40) / 50, 0, 1)
    diabetes = rng.random(n) < 0.005 + 0.16 * older + 0.03 * dep
    copd = rng.random(n) < np.where(age >= 40, 0.01 + 0.07 * older + 0.02 * dep, 0.0)
    smi = rng.random(n) < np.where(age >= 18, 0.01, 0.0)
    dementia = rng.random(n) < np.where(age >= 65, 0.01 + 0.25 * np.clip((age - 65) / 30, 0, 1) ** 2, 0.0)
    others = rng.poisson(0.1 + 1.8 * older**1.5)
    records["ltc"] = diabetes.astype(int) + copd + smi + dementia + others
    records["diabetes"], records["copd"], records["smi"], records["dementia"] = (
        diabetes.astype(int),
        copd.astype(int),
        smi.astype(int),
        dementia.astype(int),
    )
    frailty = np.minimum(rng.poisson(np.clip((age - 62) / 10, 0, 3)), 3)
    records["frailty"] = np.where(age >= 65, np.array(FRAILTY, dtype=object)[frailty], "")
    records["ae"] = rng.poisson(0.22 + 0.25 * older + 0.2 * dep + 0.1 * (age < 5))
    records["admissions"] = rng.poisson(0.04 + 0.25 * older**2 + 0.05 * dep)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        nhs = pd.Series(r["nhs"].to_numpy(dtype=object), dtype=str)
        written = nhs.str.slice(0, 3) + " " + nhs.str.slice(3, 6) + " " + nhs.str.slice(6)
        nhs = np.where(
            r["spaced"].to_numpy() & (nhs != "").to_numpy(), written.to_numpy(dtype=object), nhs.to_numpy(dtype=object)
        )
        return pd.DataFrame(
            {
                "RECORD_ID": r["record_ref"],
                "NHS_NUMBER": nhs,
                "PERSON_GIVEN_NAME": r["forename"],
                "PERSON_FAMILY_NAME": r["surname"],
                "PERSON_BIRTH_DATE": text_dates(r, "dob", COMPACT),
                "PERSON_STATED_GENDER_CODE": r["gender"],
                "ETHNIC_CATEGORY": r["ethnicity"],
                "POSTCODE": r["postcode"],
                "GP_PRACTICE_CODE": r["practice"],
                "REGISTRATION_DATE": text_dates(r, "event", COMPACT),
                "LTC_COUNT": r["ltc"],
                "HAS_DIABETES": r["diabetes"],
                "HAS_COPD": r["copd"],
                "HAS_SMI": r["smi"],
                "HAS_DEMENTIA": r["dementia"],
                "FRAILTY_CATEGORY": r["frailty"],
                "AE_ATTENDANCES_12M": r["ae"],
                "EMERGENCY_ADMISSIONS_12M": r["admissions"],
                "EXTRACT_DATE": stamped.strftime("%Y%m%d"),
            }
        )

    return deliver(ctx, NHS_PARTNER_EXTRACT_SPEC, records, render)
