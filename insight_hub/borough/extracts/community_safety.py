"""Community safety: anti-social behaviour cases and their subjects."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import DMY_SLASH, age_years, format_days
from insight_hub.borough.delivery import (
    SEMICOLON,
    Context,
    DeliveryFile,
    ExtractSpec,
    choose,
    deliver,
    person_records,
    sex_labels,
    text_dates,
    uniform_days,
)
from insight_hub.borough.extracts.common import (
    address_fields,
    person_column,
    repeat_events,
    resident_persons,
    sample_people,
    yearly_refs,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.streams import categorical

ASB_CASES_SPEC = ExtractSpec("community_safety", "asb_cases", SEMICOLON, FieldSet(), time(7, 30))

ASB_TYPES = {
    "Personal ASB": 0.25,
    "Nuisance ASB": 0.3,
    "Environmental ASB": 0.1,
    "Hate incident": 0.05,
    "Drug-related": 0.15,
    "Noise": 0.15,
}
ASB_OUTCOMES = {
    "Warning letter": 0.3,
    "Acceptable Behaviour Contract": 0.1,
    "Community Protection Warning": 0.12,
    "Community Protection Notice": 0.06,
    "Civil Injunction": 0.04,
    "Criminal Behaviour Order": 0.02,
    "Prosecution": 0.02,
    "No further action": 0.18,
    "Open": 0.16,
}
ASB_AGENCIES = (
    ("Police", 0.6),
    ("Housing provider", 0.3),
    ("Mental health services", 0.12),
    ("Probation", 0.08),
    ("Social care", 0.1),
)


def asb_cases(ctx: Context) -> list[DeliveryFile]:
    """Anti-social behaviour case subjects: mostly young, mostly male; some have several cases."""
    rng = ctx.rng("asb_cases")
    candidates = resident_persons(ctx)
    age = age_years(person_column(ctx, "dob", candidates), ctx.as_of)
    male = person_column(ctx, "male", candidates)
    weight = (np.exp(-(((age - 21) / 9.0) ** 2)) + np.where(age >= 18, 0.04, 0.0)) * np.where(age >= 11, 1.0, 0.0)
    weight = weight * np.where(male, 2.5, 1.0) * np.exp(2.5 * ctx.deprivation[candidates])
    target = ctx.config.count(VOLUMES_AT_SCALE_1["asb_cases"])
    people, low, high = sample_people(ctx, rng, candidates, weight, round(target / 1.26), min_age=10)
    counts = 1 + categorical(rng, [0.8, 0.14, 0.06], len(people))
    owner, event = repeat_events(rng, uniform_days(rng, low, high), high, counts, (14, 300))
    records = person_records(ctx, people[owner], event)
    n = len(records)
    records["record_ref"] = yearly_refs(event, "ASB/", "/")
    records["upper_surname"] = rng.random(n) < 0.6
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Unknown": 0.01})
    records["ethnicity"] = ctx.coder.encode("police_ic", records["group"].to_numpy(), rng)
    records["case_type"] = choose(rng, ASB_TYPES, n)
    records["outcome"] = choose(rng, ASB_OUTCOMES, n)
    young = age_years(records["dob"].to_numpy(), event) < 18
    agencies = np.full(n, "", dtype=object)
    for label, share in (*ASB_AGENCIES[:4], ("Youth Justice Service", None), ASB_AGENCIES[4]):
        has = rng.random(n) < (np.where(young, 0.6, 0.0) if share is None else share)
        agencies[has] = np.where(agencies[has] == "", label, agencies[has] + "|" + label)
    records["agencies"] = agencies
    records["cctv"] = np.where(rng.random(n) < 0.25, "Yes", "No")
    records["opened"] = np.minimum(event + rng.integers(0, 11, n), ctx.last_day)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
        surname = r["surname"].to_numpy(dtype=object)
        surname = np.where(
            r["upper_surname"].to_numpy(), pd.Series(surname, dtype=str).str.upper().to_numpy(dtype=object), surname
        )
        forename = r["forename"].to_numpy(dtype=object)
        return pd.DataFrame(
            {
                "Case Number": r["record_ref"],
                "Subject Name": np.where(forename != "", surname + ", " + forename, surname),
                "Subject DOB": text_dates(r, "dob", DMY_SLASH),
                "Subject Gender": r["gender"],
                "Subject Ethnicity": r["ethnicity"],
                "Subject Address": a["one_line"],
                "Subject Postcode": r["postcode"],
                "Incident Date": text_dates(r, "event", DMY_SLASH),
                "Case Type": r["case_type"],
                "Outcome": r["outcome"],
                "Agencies Involved": r["agencies"],
                "CCTV Evidence": r["cctv"],
                "Case Opened": format_days(r["opened"].to_numpy(), DMY_SLASH),
                "Export Date": stamped.strftime("%d/%m/%Y %H:%M"),
            }
        )

    return deliver(ctx, ASB_CASES_SPEC, records, render)
