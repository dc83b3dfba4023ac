"""Employment and skills: employment support participants, one workbook replaced each delivery."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import DMY_SLASH, NO_DATE, age_years, format_days
from insight_hub.borough.delivery import (
    Context,
    DeliveryFile,
    ExtractSpec,
    FileFormat,
    choose,
    deliver,
    person_records,
    sequential_ids,
    sex_labels,
    text_dates,
    uniform_days,
)
from insight_hub.borough.extracts.common import (
    address_fields,
    person_column,
    refs_in_order,
    resident_persons,
    sample_people,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import EMAIL_DOMAINS

PARTICIPANTS_EXPORT_SPEC = ExtractSpec(
    "employment_skills",
    "participants_export",
    FileFormat("xlsx", "xlsx", sheet="Participants"),
    FieldSet(),
    time(8, 45),
    single_file="participants_export.xlsx",
)

PROGRAMMES_YOUNG = {
    "Youth Employment Hub": 0.5,
    "Adult Skills": 0.2,
    "Restart": 0.1,
    "Connect to Work": 0.1,
    "Work and Health Programme": 0.1,
}
PROGRAMMES_ADULT = {
    "Youth Employment Hub": 0.0,
    "Adult Skills": 0.25,
    "Restart": 0.3,
    "Connect to Work": 0.2,
    "Work and Health Programme": 0.25,
}
EMPLOYMENT_STATUS = {
    "Unemployed - claiming": 0.45,
    "Unemployed - not claiming": 0.2,
    "Economically inactive": 0.25,
    "Employed - seeking progression": 0.1,
}


def participants_export(ctx: Context) -> list[DeliveryFile]:
    """Employment support participants to date (one workbook, replaced each delivery)."""
    rng = ctx.rng("participants_export")
    candidates = resident_persons(ctx)
    age = age_years(person_column(ctx, "dob", candidates), ctx.as_of)
    weight = np.where((age >= 16) & (age <= 64), np.where(age < 25, 1.6, np.where(age >= 50, 1.2, 1.0)), 0.0)
    weight = weight * np.exp(2.5 * ctx.deprivation[candidates])
    person, low, high = sample_people(
        ctx,
        rng,
        candidates,
        weight,
        ctx.config.count(VOLUMES_AT_SCALE_1["employment_participants"]),
        min_age=16,
        max_age=64,
    )
    event = uniform_days(rng, low, high)
    records = person_records(ctx, person, event)
    n = len(records)
    records["period"] = len(ctx.periods) - 1
    records["record_ref"] = refs_in_order(event, sequential_ids(rng, n, 10_000, 2)).astype(str)
    records["record_ref"] = ("EMP-" + records["record_ref"].str.zfill(5)).to_numpy(dtype=object)
    records["gender"] = sex_labels(
        rng, records["male"].to_numpy(), "Female", "Male", {"Non-binary": 0.005, "Prefer not to say": 0.01}
    )
    records["ethnicity"] = ctx.coder.encode("la_text", records["group"].to_numpy(), rng)
    disabled = person_column(ctx, "disabled", person)
    records["disability"] = np.where(rng.random(n) < 0.03, "Prefer not to say", np.where(disabled, "Yes", "No"))
    records["email"] = _emails(ctx, person)
    mobile = person_column(ctx, "mobile", person)
    digits = pd.Series(mobile).astype(str).to_numpy(dtype=object)
    records["mobile"] = np.where(mobile > 0, [f"0{d[:4]} {d[4:]}" for d in digits], "")
    young = age_years(records["dob"].to_numpy(), event) < 25
    records["programme"] = np.where(young, choose(rng, PROGRAMMES_YOUNG, n), choose(rng, PROGRAMMES_ADULT, n))
    records["status"] = choose(rng, EMPLOYMENT_STATUS, n)
    outcome_day = event + rng.integers(21, 400, n)
    has_outcome = (rng.random(n) < 0.45) & (outcome_day <= ctx.last_day)
    records["job_outcome"] = np.where(has_outcome, "Yes", "No")
    records["outcome_day"] = np.where(has_outcome, outcome_day, NO_DATE)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
        return pd.DataFrame(
            {
                "Participant ID": r["record_ref"],
                "First Name": r["forename"],
                "Last Name": r["surname"],
                "Date of Birth": text_dates(r, "dob", DMY_SLASH),
                "Gender": r["gender"],
                "Ethnicity": r["ethnicity"],
                "Disability": r["disability"],
                "Email": r["email"],
                "Mobile": r["mobile"],
                "Address": a["one_line"],
                "Postcode": r["postcode"],
                "Programme": r["programme"],
                "Start Date": text_dates(r, "event", DMY_SLASH),
                "Employment Status at Start": r["status"],
                "Job Outcome": r["job_outcome"],
                "Job Outcome Date": format_days(r["outcome_day"].to_numpy(), DMY_SLASH),
                "Exported On": stamped.strftime("%d/%m/%Y %H:%M"),
            }
        ).astype(str)

    return deliver(ctx, PARTICIPANTS_EXPORT_SPEC, records, render)


def _emails(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Contact email built from the person's real name ('' for people without one)."""
    persons = ctx.population.persons
    names = ctx.population.names
    style = persons["email_style"].to_numpy()[person]
    number = persons["email_number"].to_numpy()[person]
    domain = EMAIL_DOMAINS[persons["email_domain"].to_numpy()[person]]
    first = [_ascii(v) for v in names.forenames[persons["forename"].to_numpy()[person]]]
    last = [_ascii(v) for v in names.surnames[persons["surname"].to_numpy()[person]]]
    out = []
    for s, k, d, given, family in zip(style.tolist(), number.tolist(), domain.tolist(), first, last, strict=True):
        local = ("", f"{given}.{family}", f"{given}{family}{k}", f"{given[:1]}.{family}{k}", f"{given}_{family}")[s + 1]
        out.append(f"{local}@{d}" if local else "")
    return np.array(out, dtype=object)


def _ascii(name: str) -> str:
    """Lower-case ASCII letters of a name (Zoë -> zoe, O'Brien -> obrien)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalpha())
