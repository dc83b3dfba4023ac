"""Housing: the housing register (main applicants) and homelessness approaches (H-CLIC)."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import DMY_SLASH, ISO, age_years
from insight_hub.borough.delivery import (
    CSV,
    Context,
    DeliveryFile,
    ExtractSpec,
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
    household_type,
    person_column,
    refs_in_order,
    repeat_events,
    resident_persons,
    sample_people,
    yearly_refs,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import (
    ADULT_CHILD,
    COUPLE,
    COUPLE_KIDS,
    HEAD,
    LONE_PARENT,
    MULTIGEN,
    PARTNER,
    SHARER,
    SINGLE,
)

HOUSING_REGISTER_SPEC = ExtractSpec("housing", "housing_register", CSV, FieldSet(), time(6, 15))
HOMELESSNESS_HCLIC_SPEC = ExtractSpec("housing", "homelessness_hclic", CSV, FieldSet(), time(5, 40, 12))


def housing_register(ctx: Context) -> list[DeliveryFile]:
    """Housing register applications, main applicant only."""
    rng = ctx.rng("housing_register")
    candidates = resident_persons(ctx, (HEAD,))
    kind = household_type(ctx, candidates)
    age = age_years(person_column(ctx, "dob", candidates), ctx.as_of)
    weight = (
        np.array([1.0, 0.5, 1.6, 3.0, 2.0, 1.2])[kind]
        * np.where(age >= 65, 0.5, 1.0)
        * np.exp(3.0 * ctx.deprivation[candidates])
    )
    person, low, high = sample_people(
        ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["housing_register"]), min_age=18
    )
    event = uniform_days(rng, low, high)
    records = person_records(ctx, person, event)
    n = len(records)
    size = ctx.population.households["size"].to_numpy()[person_column(ctx, "hh", person)]
    records["record_ref"] = np.char.add(
        "HRA", refs_in_order(event, sequential_ids(rng, n, 1_204_000)).astype(str)
    ).astype(object)
    records["title_text"] = np.where(rng.random(n) < 0.05, "", records["title"].to_numpy(dtype=object))
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Prefer not to say": 0.01})
    records["ethnicity"] = ctx.coder.encode("la_text", records["group"].to_numpy(), rng)
    disabled = person_column(ctx, "disabled", person)
    records["disabled"] = np.where(rng.random(n) < 0.08, "", np.where(disabled, "Yes", "No"))
    records["band"] = choose(rng, {"A": 0.05, "B": 0.2, "C": 0.45, "D": 0.3}, n)
    records["bedrooms"] = np.clip(np.where(size <= 2, 1, (size + 1) // 2), 1, 5)
    records["members"] = size
    records["status"] = choose(rng, {"Active": 0.55, "Suspended": 0.08, "Housed": 0.2, "Cancelled": 0.17}, n)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
        return pd.DataFrame(
            {
                "Application Ref": r["record_ref"],
                "Title": r["title_text"],
                "Forename": r["forename"],
                "Surname": r["surname"],
                "Date of Birth": text_dates(r, "dob", DMY_SLASH),
                "Gender": r["gender"],
                "Ethnic Origin": r["ethnicity"],
                "Disabled": r["disabled"],
                "Address Line 1": a["line1"],
                "Address Line 2": a["locality"],
                "Town": a["town"],
                "Postcode": r["postcode"],
                "UPRN": a["uprn_text"],
                "Band": r["band"],
                "Bedroom Need": r["bedrooms"],
                "Household Members": r["members"],
                "Application Date": text_dates(r, "event", DMY_SLASH),
                "Application Status": r["status"],
                "Extract Date": stamped.strftime("%d/%m/%Y %H:%M"),
            }
        )

    return deliver(ctx, HOUSING_REGISTER_SPEC, records, render)


HCLIC_REASONS = {
    "End of private rented tenancy - assured shorthold": 0.27,
    "Family or friends no longer willing or able to accommodate": 0.3,
    "Domestic abuse": 0.12,
    "Relationship with partner ended (non-violent)": 0.07,
    "Eviction from supported housing": 0.05,
    "Departure from institution": 0.05,
    "Other": 0.14,
}
HCLIC_NEEDS = (
    ("History of mental health problems", 0.25),
    ("Physical ill health and disability", 0.15),
    ("Drug dependency needs", 0.06),
    ("Alcohol dependency needs", 0.05),
    ("Offending history", 0.06),
    ("At risk of or has experienced domestic abuse", 0.1),
)


def homelessness_hclic(ctx: Context) -> list[DeliveryFile]:
    """Homelessness approaches (H-CLIC), lead applicant; some people approach twice."""
    rng = ctx.rng("homelessness_hclic")
    candidates = resident_persons(ctx, (HEAD, PARTNER, ADULT_CHILD, SHARER))
    role = person_column(ctx, "role", candidates)
    kind = household_type(ctx, candidates)
    age = age_years(person_column(ctx, "dob", candidates), ctx.as_of)
    factor = (
        np.select(
            [
                role == ADULT_CHILD,
                role == SHARER,
                (kind == LONE_PARENT) & (role == HEAD),
                (kind == SINGLE) & (age < 35),
                kind == COUPLE,
            ],
            [2.5, 2.0, 4.0, 3.0, 0.4],
            default=1.0,
        )
        * np.where(age >= 65, 0.2, 1.0)
        * np.where(role == PARTNER, 0.3, 1.0)
    )
    weight = factor * np.exp(3.5 * ctx.deprivation[candidates])
    target = ctx.config.count(VOLUMES_AT_SCALE_1["homelessness_hclic"])
    people, low, high = sample_people(ctx, rng, candidates, weight, round(target / 1.06), min_age=16)
    counts = 1 + (rng.random(len(people)) < 0.06)
    owner, event = repeat_events(rng, uniform_days(rng, low, high), high, counts, (60, 500))
    person = people[owner]
    records = person_records(ctx, person, event)
    n = len(records)
    records["record_ref"] = yearly_refs(event, "HL-", "-")
    records["sex"] = sex_labels(rng, records["male"].to_numpy(), "F", "M", {"X": 0.005})
    records["ethnicity"] = ctx.coder.encode("census_2021", records["group"].to_numpy(), rng)
    female = ~records["male"].to_numpy()
    reason = choose(rng, HCLIC_REASONS, n)
    reason[female & (rng.random(n) < 0.12)] = "Domestic abuse"
    records["reason"] = reason
    records["duty"] = choose(rng, {"Prevention": 0.45, "Relief": 0.35, "Main duty": 0.12, "No duty owed": 0.08}, n)
    p_kind = household_type(ctx, person)
    p_role = person_column(ctx, "role", person)
    alone = np.isin(p_role, (ADULT_CHILD, SHARER)) | (p_kind == SINGLE)
    records["household_type"] = np.select(
        [
            alone & ~female,
            alone & female,
            p_kind == LONE_PARENT,
            np.isin(p_kind, (COUPLE_KIDS, MULTIGEN)),
            p_kind == COUPLE,
        ],
        [
            "Single adult male",
            "Single adult female",
            "Single parent with dependent children",
            "Couple with dependent children",
            "Couple or two adults without dependent children",
        ],
        default="Other",
    )
    needs = np.full(n, "", dtype=object)
    for label, share in HCLIC_NEEDS:
        share_by_row = np.where(female, share * 2, share) if label.startswith("At risk of") else share
        has = rng.random(n) < share_by_row
        needs[has] = np.where(needs[has] == "", label, needs[has] + ";" + label)
    young = age_years(records["dob"].to_numpy(), event) < 18
    needs[young] = np.where(needs[young] == "", "Young person aged 16-17", needs[young] + ";Young person aged 16-17")
    records["needs"] = needs
    records["uprn_known"] = rng.random(n) >= 0.3

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
        return pd.DataFrame(
            {
                "case_ref": r["record_ref"],
                "first_name": r["forename"],
                "last_name": r["surname"],
                "date_of_birth": text_dates(r, "dob", ISO),
                "sex": r["sex"],
                "ethnicity": r["ethnicity"],
                "postcode": r["postcode"],
                "uprn": np.where(r["uprn_known"].to_numpy(), a["uprn_text"].to_numpy(dtype=object), ""),
                "approach_date": text_dates(r, "event", ISO),
                "reason_for_loss_of_home": r["reason"],
                "duty_type": r["duty"],
                "household_type": r["household_type"],
                "support_needs": r["needs"],
                "extract_timestamp": stamped.strftime("%Y-%m-%dT%H:%M:%S"),
            }
        )

    return deliver(ctx, HOMELESSNESS_HCLIC_SPEC, records, render)
