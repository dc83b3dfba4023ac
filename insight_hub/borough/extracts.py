"""One builder per delivered file. Each picks the people a service knows
(weighted by deprivation, age, household type as the service's reach
suggests), dates their events within the three years before --as-of, copies
their identifying fields as they were on the event day, and hands the records
to `deliver`, which faults, splits and renders them.

Column lists (`COLUMNS`) are the contract in README.md and the staging sources
YAML; the tests compare all three.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, time
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import (
    COMPACT,
    DMON,
    DMY_SLASH,
    ISO,
    NO_DATE,
    age_years,
    components,
    day_number,
    format_days,
)
from insight_hub.borough.delivery import (
    CSV,
    PARQUET,
    PIPE,
    SEMICOLON,
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
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import (
    ADULT_CHILD,
    CHILD,
    COUPLE,
    COUPLE_KIDS,
    EMAIL_DOMAINS,
    GRANDPARENT,
    HEAD,
    LONE_PARENT,
    MULTIGEN,
    OUT_OF_BOROUGH_PUPIL,
    PARTNER,
    RESIDENT,
    SHARER,
    SINGLE,
)
from insight_hub.borough.streams import categorical, unique_draws, weighted_sample

COLUMNS: dict[str, tuple[str, ...]] = {
    "housing_register": (
        "Application Ref", "Title", "Forename", "Surname", "Date of Birth", "Gender", "Ethnic Origin", "Disabled",
        "Address Line 1", "Address Line 2", "Town", "Postcode", "UPRN", "Band", "Bedroom Need", "Household Members",
        "Application Date", "Application Status", "Extract Date",
    ),
    "homelessness_hclic": (
        "case_ref", "first_name", "last_name", "date_of_birth", "sex", "ethnicity", "postcode", "uprn",
        "approach_date", "reason_for_loss_of_home", "duty_type", "household_type", "support_needs", "extract_timestamp",
    ),
    "asc_services": (
        "SERVICE_ID", "PERSON_ID", "FORENAME", "SURNAME", "DATE_OF_BIRTH", "GENDER", "ETHNICITY", "NHS_NUMBER",
        "ADDRESS", "POSTCODE", "UPRN", "PRIMARY_SUPPORT_REASON", "SERVICE_TYPE", "REFERRAL_DATE",
        "SERVICE_START_DATE", "SERVICE_END_DATE", "HAS_DISABILITY", "EXTRACT_DATETIME",
    ),
    "csc_referrals": (
        "REFERRAL_ID", "CHILD_ID", "FIRST_NAME", "LAST_NAME", "DOB", "GENDER", "ETHNICITY", "POSTCODE",
        "REFERRAL_DATE", "REFERRAL_SOURCE", "PRIMARY_NEED", "CP_PLAN", "LOOKED_AFTER", "DISABILITY", "EXTRACT_DT",
    ),
    "csc_family_members": (
        "RELATIONSHIP_ID", "CHILD_ID", "MEMBER_PERSON_ID", "MEMBER_FIRST_NAME", "MEMBER_LAST_NAME", "MEMBER_DOB",
        "MEMBER_GENDER", "RELATIONSHIP", "LIVES_WITH_CHILD", "POSTCODE", "RECORDED_DATE", "EXTRACT_DT",
    ),
    "ctax_liable_parties": (
        "PARTY REF", "ACCOUNT REF", "PARTY NO", "LIABLE NAME", "ADDR1", "ADDR2", "ADDR3", "POSTCODE", "PROPERTY REF",
        "BAND", "LIABILITY START", "DISCOUNT", "ARREARS BALANCE", "CTR AWARD", "PAYMENT METHOD", "EXTRACT DATE",
    ),
    "ctr_claim_members": (
        "PERSON REF", "CLAIM REF", "PERSON TYPE", "TITLE", "FORENAME", "SURNAME", "DOB", "NINO", "ADDRESS",
        "POSTCODE", "UPRN", "CLAIM START", "WEEKLY CTR", "PASSPORTED BENEFIT", "DEPENDANTS", "EXTRACT DATE",
    ),
    "school_census": (
        "UPN", "Surname", "Forename", "MiddleNames", "PreferredSurname", "Gender", "DOB", "Ethnicity",
        "SENprovision", "FSMeligible", "EnrolStatus", "NCyearActual", "SchoolURN", "SchoolName", "AddressLine1",
        "Postcode", "CensusDate",
    ),
    "asb_cases": (
        "Case Number", "Subject Name", "Subject DOB", "Subject Gender", "Subject Ethnicity", "Subject Address",
        "Subject Postcode", "Incident Date", "Case Type", "Outcome", "Agencies Involved", "CCTV Evidence",
        "Case Opened", "Export Date",
    ),
    "nhs_partner_extract": (
        "RECORD_ID", "NHS_NUMBER", "PERSON_GIVEN_NAME", "PERSON_FAMILY_NAME", "PERSON_BIRTH_DATE",
        "PERSON_STATED_GENDER_CODE", "ETHNIC_CATEGORY", "POSTCODE", "GP_PRACTICE_CODE", "REGISTRATION_DATE",
        "LTC_COUNT", "HAS_DIABETES", "HAS_COPD", "HAS_SMI", "HAS_DEMENTIA", "FRAILTY_CATEGORY",
        "AE_ATTENDANCES_12M", "EMERGENCY_ADMISSIONS_12M", "EXTRACT_DATE",
    ),
    "participants_export": (
        "Participant ID", "First Name", "Last Name", "Date of Birth", "Gender", "Ethnicity", "Disability", "Email",
        "Mobile", "Address", "Postcode", "Programme", "Start Date", "Employment Status at Start", "Job Outcome",
        "Job Outcome Date", "Exported On",
    ),
}

SPECS: dict[str, ExtractSpec] = {
    spec.source_table: spec
    for spec in (
        ExtractSpec("housing", "housing_register", CSV, FieldSet(), time(6, 15)),
        ExtractSpec("housing", "homelessness_hclic", CSV, FieldSet(), time(5, 40, 12)),
        ExtractSpec("adult_social_care", "asc_services", PARQUET, FieldSet(text_dates=False, nhs_number=True), time(2, 5, 33)),
        ExtractSpec("childrens_social_care", "csc_referrals", PIPE, FieldSet(), time(3, 12, 45)),
        ExtractSpec("childrens_social_care", "csc_family_members", PIPE, FieldSet(), time(3, 14, 2)),
        ExtractSpec("revenues_benefits", "ctax_liable_parties", CSV, FieldSet(dob=False, own_address=False)),
        ExtractSpec("revenues_benefits", "ctr_claim_members", CSV, FieldSet()),
        ExtractSpec("education", "school_census", CSV, FieldSet(), time(0, 0)),
        ExtractSpec("community_safety", "asb_cases", SEMICOLON, FieldSet(), time(7, 30)),
        ExtractSpec("nhs_partner", "nhs_partner_extract", CSV, FieldSet(nhs_number=True)),
        ExtractSpec(
            "employment_skills",
            "participants_export",
            FileFormat("xlsx", "xlsx", sheet="Participants"),
            FieldSet(),
            time(8, 45),
            single_file="participants_export.xlsx",
        ),
    )
}


def _address(ctx: Context, addr: np.ndarray) -> pd.DataFrame:
    """Address fields of address indices (uprn as text, '' outside the borough)."""
    table = ctx.population.addresses.iloc[addr].reset_index(drop=True)
    table["uprn_text"] = np.where(table["uprn"].to_numpy() > 0, table["uprn"].astype(str).to_numpy(dtype=object), "")
    return table


def _residents(ctx: Context, roles: tuple[int, ...] | None = None) -> np.ndarray:
    persons = ctx.population.persons
    mask = persons["kind"].to_numpy() == RESIDENT
    if roles is not None:
        mask &= np.isin(persons["role"].to_numpy(), roles)
    return np.flatnonzero(mask)


def _column(ctx: Context, name: str, person: np.ndarray) -> np.ndarray:
    return ctx.population.persons[name].to_numpy()[person]


def _household_type(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Household type of residents (-1 for non-residents)."""
    hh = _column(ctx, "hh", person)
    return np.where(hh >= 0, ctx.population.households["type"].to_numpy()[np.maximum(hh, 0)], -1)


def _sample_people(
    ctx: Context, rng: np.random.Generator, candidates: np.ndarray, weight: np.ndarray, k: int, min_age: int = 0, max_age: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`k` people drawn by weight among those who can have an event in the window;
    returns them with their earliest and latest event day."""
    low, high = ctx.event_bounds(candidates, min_age, max_age)
    ok = low <= high
    picked = weighted_sample(rng, np.where(ok, weight, 0.0), k)
    return candidates[picked], low[picked], high[picked]


def _repeat_events(
    rng: np.random.Generator, first: np.ndarray, high: np.ndarray, counts: np.ndarray, gap: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """`counts` events per person: the first on `first`, each later one `gap` days
    after the previous; events after `high` are dropped. Returns the position of
    each event's person in the inputs, and the event day."""
    owner = np.repeat(np.arange(len(first)), counts)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    gaps = np.where(rank > 0, rng.integers(gap[0], gap[1] + 1, len(owner)), 0)
    steps = pd.Series(gaps).groupby(owner).cumsum().to_numpy()
    event = first[owner] + steps
    keep = event <= high[owner]
    return owner[keep], event[keep]


def _refs_in_order(event: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Assign increasing `ids` to records in event order."""
    out = np.empty(len(event), dtype=ids.dtype)
    out[np.argsort(event, kind="stable")] = ids
    return out


def _yearly_refs(event: np.ndarray, prefix: str, sep: str) -> np.ndarray:
    """References numbered from 1 within each event year, in event order:
    prefix, year, separator, five digits (HL-2025-00042, ASB/2025/00042)."""
    year = components(event)[0]
    order = np.lexsort((event, year))
    sorted_year = year[order]
    starts = np.r_[0, np.flatnonzero(sorted_year[1:] != sorted_year[:-1]) + 1]
    number = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    text = prefix + pd.Series(sorted_year).astype(str) + sep + pd.Series(number).astype(str).str.zfill(5)
    refs = np.empty(len(event), dtype=object)
    refs[order] = text.to_numpy(dtype=object)
    return refs


def _money(pounds: np.ndarray) -> np.ndarray:
    """Amounts as text with two decimals (1234.5 -> '1234.50')."""
    pence = pd.Series(np.round(np.asarray(pounds) * 100).astype(np.int64))
    return ((pence // 100).astype(str) + "." + (pence % 100).astype(str).str.zfill(2)).to_numpy(dtype=object)


def _system_ids(rng: np.random.Generator, person: np.ndarray, low: int, high: int) -> np.ndarray:
    """A case system's own person identifier: one random id per distinct person."""
    distinct, inverse = np.unique(person, return_inverse=True)
    return unique_draws(rng, low, high, len(distinct))[inverse]


# --- housing ---------------------------------------------------------------------------------


def housing_register(ctx: Context) -> list[DeliveryFile]:
    """Housing register applications, main applicant only."""
    rng = ctx.rng("housing_register")
    candidates = _residents(ctx, (HEAD,))
    kind = _household_type(ctx, candidates)
    age = age_years(_column(ctx, "dob", candidates), ctx.as_of)
    weight = np.array([1.0, 0.5, 1.6, 3.0, 2.0, 1.2])[kind] * np.where(age >= 65, 0.5, 1.0) * np.exp(3.0 * ctx.deprivation[candidates])
    person, low, high = _sample_people(ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["housing_register"]), min_age=18)
    event = uniform_days(rng, low, high)
    records = person_records(ctx, person, event)
    n = len(records)
    size = ctx.population.households["size"].to_numpy()[_column(ctx, "hh", person)]
    records["record_ref"] = np.char.add("HRA", _refs_in_order(event, sequential_ids(rng, n, 1_204_000)).astype(str)).astype(object)
    records["title_text"] = np.where(rng.random(n) < 0.05, "", records["title"].to_numpy(dtype=object))
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Prefer not to say": 0.01})
    records["ethnicity"] = ctx.coder.encode("la_text", records["group"].to_numpy(), rng)
    disabled = _column(ctx, "disabled", person)
    records["disabled"] = np.where(rng.random(n) < 0.08, "", np.where(disabled, "Yes", "No"))
    records["band"] = choose(rng, {"A": 0.05, "B": 0.2, "C": 0.45, "D": 0.3}, n)
    records["bedrooms"] = np.clip(np.where(size <= 2, 1, (size + 1) // 2), 1, 5)
    records["members"] = size
    records["status"] = choose(rng, {"Active": 0.55, "Suspended": 0.08, "Housed": 0.2, "Cancelled": 0.17}, n)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = _address(ctx, r["addr"].to_numpy())
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

    return deliver(ctx, SPECS["housing_register"], records, render)


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
    candidates = _residents(ctx, (HEAD, PARTNER, ADULT_CHILD, SHARER))
    role = _column(ctx, "role", candidates)
    kind = _household_type(ctx, candidates)
    age = age_years(_column(ctx, "dob", candidates), ctx.as_of)
    factor = np.select(
        [role == ADULT_CHILD, role == SHARER, (kind == LONE_PARENT) & (role == HEAD), (kind == SINGLE) & (age < 35), kind == COUPLE],
        [2.5, 2.0, 4.0, 3.0, 0.4],
        default=1.0,
    ) * np.where(age >= 65, 0.2, 1.0) * np.where(role == PARTNER, 0.3, 1.0)
    weight = factor * np.exp(3.5 * ctx.deprivation[candidates])
    target = ctx.config.count(VOLUMES_AT_SCALE_1["homelessness_hclic"])
    people, low, high = _sample_people(ctx, rng, candidates, weight, round(target / 1.06), min_age=16)
    counts = 1 + (rng.random(len(people)) < 0.06)
    owner, event = _repeat_events(rng, uniform_days(rng, low, high), high, counts, (60, 500))
    person = people[owner]
    records = person_records(ctx, person, event)
    n = len(records)
    records["record_ref"] = _yearly_refs(event, "HL-", "-")
    records["sex"] = sex_labels(rng, records["male"].to_numpy(), "F", "M", {"X": 0.005})
    records["ethnicity"] = ctx.coder.encode("census_2021", records["group"].to_numpy(), rng)
    female = ~records["male"].to_numpy()
    reason = choose(rng, HCLIC_REASONS, n)
    reason[female & (rng.random(n) < 0.12)] = "Domestic abuse"
    records["reason"] = reason
    records["duty"] = choose(rng, {"Prevention": 0.45, "Relief": 0.35, "Main duty": 0.12, "No duty owed": 0.08}, n)
    p_kind = _household_type(ctx, person)
    p_role = _column(ctx, "role", person)
    alone = np.isin(p_role, (ADULT_CHILD, SHARER)) | (p_kind == SINGLE)
    records["household_type"] = np.select(
        [alone & ~female, alone & female, p_kind == LONE_PARENT, np.isin(p_kind, (COUPLE_KIDS, MULTIGEN)), p_kind == COUPLE],
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
        a = _address(ctx, r["addr"].to_numpy())
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

    return deliver(ctx, SPECS["homelessness_hclic"], records, render)


# --- adult social care -----------------------------------------------------------------------

ASC_REASONS_OLDER = {"Physical Support": 0.6, "Support with Memory and Cognition": 0.18, "Sensory Support": 0.05, "Social Support": 0.07, "Mental Health Support": 0.1}
ASC_REASONS_YOUNGER = {"Learning Disability Support": 0.35, "Mental Health Support": 0.3, "Physical Support": 0.25, "Sensory Support": 0.05, "Social Support": 0.05}
ASC_SERVICES = {"Home care": 0.32, "Residential care": 0.1, "Nursing care": 0.06, "Direct payment": 0.14, "Day opportunities": 0.1, "Reablement": 0.16, "Equipment": 0.12}
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
    candidates = _residents(ctx)
    age = age_years(_column(ctx, "dob", candidates), ctx.as_of)
    disabled = _column(ctx, "disabled", candidates)
    weight = np.where(age >= 65, 3 * np.exp((age - 65) / 8), np.where(age >= 18, 0.15, 0.0))
    weight = weight * np.where(disabled, 4.0, 1.0) * np.exp(0.8 * ctx.deprivation[candidates])
    clients, low, high = _sample_people(ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["asc_clients"]), min_age=18)
    referral = uniform_days(rng, low, np.maximum(low, high - 7))
    counts = 1 + categorical(rng, [0.5, 0.35, 0.15], len(clients))
    first_start = np.minimum(referral + rng.integers(0, 61, len(clients)), high)
    owner, start = _repeat_events(rng, first_start, high, counts, (7, 300))
    person = clients[owner]
    records = person_records(ctx, person, start)
    n = len(records)
    records["referral"] = referral[owner]
    ends = start + rng.integers(7, 500, n)
    records["end"] = np.where((rng.random(n) < 0.55) & (ends <= ctx.last_day), ends, NO_DATE)
    records["record_ref"] = _refs_in_order(start, sequential_ids(rng, n, 3_100_000)).astype(str).astype(object)
    records["system_id"] = _system_ids(rng, person, 100_000, 999_999)
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Unknown": 0.005})
    records["ethnicity"] = ctx.coder.encode("nhs_ethnic_category", records["group"].to_numpy(), rng)
    older = age_years(records["dob"].to_numpy(), start) >= 65
    records["reason"] = np.where(older, choose(rng, ASC_REASONS_OLDER, n), choose(rng, ASC_REASONS_YOUNGER, n))
    records["service_type"] = choose(rng, ASC_SERVICES, n)
    records["has_disability"] = _column(ctx, "disabled", person) | (rng.random(n) < 0.5)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pa.Table:
        a = _address(ctx, r["addr"].to_numpy())
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
        return pa.table({name: pa.array(columns[name], type=ASC_SCHEMA.field(name).type) for name in ASC_SCHEMA.names}, schema=ASC_SCHEMA)

    return deliver(ctx, SPECS["asc_services"], records, render)


def _nullable(values: pd.Series) -> np.ndarray:
    """Text with '' as null (a typed system stores a missing value, not an empty string)."""
    out = values.to_numpy(dtype=object).copy()
    out[out == ""] = None
    return out


def _dates32(days: np.ndarray) -> pa.Array:
    return pa.array(np.where(days == NO_DATE, 0, days).astype(np.int32), mask=days == NO_DATE, type=pa.date32())


# --- children's social care --------------------------------------------------------------------

CSC_SOURCES = {"Police": 0.28, "Schools": 0.2, "Health services": 0.15, "Individual": 0.08, "LA services": 0.1, "Other legal agency": 0.06, "Anonymous": 0.03, "Other": 0.1}
CSC_NEEDS = {"N1": 0.55, "N2": 0.06, "N3": 0.08, "N4": 0.14, "N5": 0.03, "N6": 0.03, "N7": 0.02, "N8": 0.06, "N9": 0.03}


def _csc_children(ctx: Context) -> pd.DataFrame:
    """The referred children and their referrals (shared by both CSC files)."""
    if "csc" not in ctx.cache:
        rng = ctx.rng("csc_referrals")
        candidates = _residents(ctx, (CHILD,))
        kind = _household_type(ctx, candidates)
        weight = np.where(kind == LONE_PARENT, 2.5, np.where(kind == MULTIGEN, 1.3, 1.0)) * np.exp(3.0 * ctx.deprivation[candidates])
        children, low, high = _sample_people(ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["csc_children"]), max_age=17)
        counts = 1 + categorical(rng, [0.7, 0.2, 0.1], len(children))
        owner, event = _repeat_events(rng, uniform_days(rng, low, high), high, counts, (30, 400))
        looked_after = rng.random(len(children)) < 0.06
        ctx.cache["csc"] = pd.DataFrame({"person": children[owner], "event": event, "looked_after": looked_after[owner]})
    return ctx.cache["csc"]  # type: ignore[return-value]


def _csc_ids(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Case-system person ids (text) of people in either CSC file: one id per person,
    whether they appear as a referred child, a family member or both."""
    if "csc_ids" not in ctx.cache:
        people = np.unique(np.concatenate([_csc_children(ctx)["person"].to_numpy(), _csc_family(ctx)["member"].to_numpy()]))
        ids = unique_draws(ctx.rng("csc_ids"), 1_000_000, 9_999_999, len(people)).astype(str).astype(object)
        ctx.cache["csc_ids"] = (people, ids)
    people, ids = ctx.cache["csc_ids"]  # type: ignore[misc]
    return ids[np.searchsorted(people, person)]


def csc_referrals(ctx: Context) -> list[DeliveryFile]:
    """Referrals to children's social care (~1.3 per child)."""
    rng = ctx.rng("csc_referrals", "attributes")
    referrals = _csc_children(ctx)
    person = referrals["person"].to_numpy()
    records = person_records(ctx, person, referrals["event"].to_numpy())
    n = len(records)
    records["record_ref"] = _refs_in_order(records["event"].to_numpy(), sequential_ids(rng, n, 40_000_000, 9)).astype(str).astype(object)
    records["child_id"] = _csc_ids(ctx, person)
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "F", "M", {"U": 0.005})
    records["ethnicity"] = ctx.coder.encode("dfe", records["group"].to_numpy(), rng)
    records["source"] = choose(rng, CSC_SOURCES, n)
    records["need"] = choose(rng, CSC_NEEDS, n)
    records["cp_plan"] = np.where(rng.random(n) < 0.12, "Y", "N")
    records["looked_after"] = np.where(referrals["looked_after"].to_numpy(), "Y", "N")
    records["disability"] = np.where(_column(ctx, "disabled", person), "Y", "N")

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "REFERRAL_ID": r["record_ref"],
                "CHILD_ID": r["child_id"],
                "FIRST_NAME": r["forename"],
                "LAST_NAME": r["surname"],
                "DOB": text_dates(r, "dob", DMON),
                "GENDER": r["gender"],
                "ETHNICITY": r["ethnicity"],
                "POSTCODE": r["postcode"],
                "REFERRAL_DATE": text_dates(r, "event", DMON),
                "REFERRAL_SOURCE": r["source"],
                "PRIMARY_NEED": r["need"],
                "CP_PLAN": r["cp_plan"],
                "LOOKED_AFTER": r["looked_after"],
                "DISABILITY": r["disability"],
                "EXTRACT_DT": stamped.strftime("%d-%b-%Y %H:%M:%S"),
            }
        )

    return deliver(ctx, SPECS["csc_referrals"], records, render)


def _csc_family(ctx: Context) -> pd.DataFrame:
    """(child, member, relationship, lives_with_child, recorded day) for referred children:
    parents, siblings and grandparents at home, and relatives, absent parents and
    foster carers from other households."""
    if "csc_family" in ctx.cache:
        return ctx.cache["csc_family"]  # type: ignore[return-value]
    rng = ctx.rng("csc_family_members")
    persons = ctx.population.persons
    referrals = _csc_children(ctx)
    first = referrals.groupby("person", sort=True).agg(first=("event", "min"), looked_after=("looked_after", "first"))
    child = first.index.to_numpy()
    hh = persons["hh"].to_numpy()
    role = persons["role"].to_numpy()
    male = persons["male"].to_numpy()
    residents = _residents(ctx)
    home = pd.DataFrame({"member": residents, "hh": hh[residents]}).merge(pd.DataFrame({"child": child, "hh": hh[child]}), on="hh")
    home = home[home["member"] != home["child"]]
    m_role = role[home["member"].to_numpy()]
    m_male = male[home["member"].to_numpy()]
    u = rng.random(len(home))
    parent = np.isin(m_role, (HEAD, PARTNER))
    relationship = np.select(
        [parent & (m_role == PARTNER) & (u < 0.12), parent & m_male, parent, m_role == GRANDPARENT, np.isin(m_role, (CHILD, ADULT_CHILD))],
        ["Step-parent", "Father", "Mother", "Grandparent", "Sibling"],
        default="Other",
    )
    keep = np.select([parent, m_role == GRANDPARENT, np.isin(m_role, (CHILD, ADULT_CHILD))], [0.85, 0.5, 0.22], default=0.2)
    keep_rows = rng.random(len(home)) < keep
    frames = [
        pd.DataFrame(
            {"child": home["child"].to_numpy()[keep_rows], "member": home["member"].to_numpy()[keep_rows], "relationship": relationship[keep_rows], "lives": "Y"}
        )
    ]
    age = age_years(persons["dob"].to_numpy()[residents], ctx.as_of)
    kind = _household_type(ctx, child)
    lone_head_male = male[_head_of(ctx)[hh[child]]]
    for label, chosen, pool_mask in (
        ("Father", (kind == LONE_PARENT) & ~lone_head_male & (rng.random(len(child)) < 0.45), male[residents] & (age >= 20) & (age <= 65)),
        ("Mother", (kind == LONE_PARENT) & lone_head_male & (rng.random(len(child)) < 0.45), ~male[residents] & (age >= 20) & (age <= 60)),
        ("Grandparent", rng.random(len(child)) < 0.08, (age >= 50) & (age <= 90)),
        ("Aunt or uncle", rng.random(len(child)) < 0.06, (age >= 20) & (age <= 60)),
        ("Foster carer", first["looked_after"].to_numpy(), (age >= 30) & (age <= 65)),
        ("Other", rng.random(len(child)) < 0.04, age >= 18),
    ):
        members = _relatives(rng, persons, child[chosen], residents[pool_mask])
        frames.append(pd.DataFrame({"child": child[chosen], "member": members, "relationship": label, "lives": "N"}))
    family = pd.concat(frames, ignore_index=True)
    elsewhere = hh[family["member"].to_numpy()] != hh[family["child"].to_numpy()]
    family = family[elsewhere | (family["lives"] == "Y").to_numpy()]
    family = family.drop_duplicates(["child", "member"]).reset_index(drop=True)
    first_referral = first["first"].reindex(family["child"].to_numpy()).to_numpy()
    recorded = np.maximum(first_referral + rng.integers(0, 22, len(family)), persons["dob"].to_numpy()[family["member"].to_numpy()] + 1)
    family["recorded"] = recorded
    family = family[recorded <= ctx.last_day].reset_index(drop=True)
    ctx.cache["csc_family"] = family
    return family


def _relatives(rng: np.random.Generator, persons: pd.DataFrame, child: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """A person from `pool` for each child, of the child's ethnic group where the pool has one."""
    group = persons["group"].to_numpy()
    out = pool[rng.integers(0, len(pool), len(child))] if len(pool) else np.empty(0, dtype=np.int64)
    for g in np.unique(group[child]):
        same = pool[group[pool] == g]
        rows = np.flatnonzero(group[child] == g)
        if len(same):
            out[rows] = same[rng.integers(0, len(same), len(rows))]
    return out


def csc_family_members(ctx: Context) -> list[DeliveryFile]:
    """Family members and carers of referred children."""
    rng = ctx.rng("csc_family_members", "attributes")
    family = _csc_family(ctx)
    member = family["member"].to_numpy()
    records = person_records(ctx, member, family["recorded"].to_numpy())
    n = len(records)
    records["record_ref"] = _refs_in_order(records["event"].to_numpy(), sequential_ids(rng, n, 70_000_000, 9)).astype(str).astype(object)
    records["child_id"] = _csc_ids(ctx, family["child"].to_numpy())
    records["member_id"] = _csc_ids(ctx, member)
    records.loc[rng.random(n) < 0.25, "dob"] = NO_DATE  # often not recorded for relatives
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "F", "M", {"U": 0.01})
    records["relationship"] = family["relationship"].to_numpy()
    records["lives"] = family["lives"].to_numpy()

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "RELATIONSHIP_ID": r["record_ref"],
                "CHILD_ID": r["child_id"],
                "MEMBER_PERSON_ID": r["member_id"],
                "MEMBER_FIRST_NAME": r["forename"],
                "MEMBER_LAST_NAME": r["surname"],
                "MEMBER_DOB": text_dates(r, "dob", DMON),
                "MEMBER_GENDER": r["gender"],
                "RELATIONSHIP": r["relationship"],
                "LIVES_WITH_CHILD": r["lives"],
                "POSTCODE": r["postcode"],
                "RECORDED_DATE": text_dates(r, "event", DMON),
                "EXTRACT_DT": stamped.strftime("%d-%b-%Y %H:%M:%S"),
            }
        )

    return deliver(ctx, SPECS["csc_family_members"], records, render)


# --- revenues and benefits -----------------------------------------------------------------------

COUNCIL_TAX_BEGAN = day_number(datetime(1993, 4, 1).date())


def _ctr_claims(ctx: Context) -> pd.DataFrame:
    """Council tax reduction claims, one per claiming household (shared by the CTR
    file and the council tax file's CTR AWARD flag)."""
    if "ctr" in ctx.cache:
        return ctx.cache["ctr"]  # type: ignore[return-value]
    rng = ctx.rng("ctr_claim_members")
    persons = ctx.population.persons
    households = ctx.population.households
    heads = _residents(ctx, (HEAD,))
    kind = _household_type(ctx, heads)
    age = age_years(persons["dob"].to_numpy()[heads], ctx.as_of)
    factor = np.array([1.3, 0.8, 1.5, 3.0, 1.6, 0.3])[kind] * np.where(age >= 66, 2.0, 1.0)
    weight = factor * np.exp(3.0 * ctx.deprivation[heads])
    claimant, low, high = _sample_people(ctx, rng, heads, weight, ctx.config.count(VOLUMES_AT_SCALE_1["ctr_claims"]), min_age=18)
    hh_move = households["move_date"].to_numpy()[persons["hh"].to_numpy()[claimant]]
    low = np.where(hh_move != NO_DATE, np.maximum(low, hh_move), low)
    ok = low <= high
    claimant, low, high = claimant[ok], low[ok], high[ok]
    start = uniform_days(rng, low, high)
    hh = persons["hh"].to_numpy()[claimant]
    claims = pd.DataFrame({"claimant": claimant, "hh": hh, "start": start})
    claims["claim_ref"] = _refs_in_order(start, sequential_ids(rng, len(claims), 60_000_000, 5)).astype(str)
    pension = age_years(persons["dob"].to_numpy()[claimant], start) >= 66
    n = len(claims)
    claims["benefit"] = np.where(
        pension,
        choose(rng, {"Pension Credit": 0.6, "None": 0.4}, n),
        choose(rng, {"Universal Credit": 0.72, "ESA (IR)": 0.08, "JSA (IB)": 0.03, "Income Support": 0.02, "None": 0.15}, n),
    )
    claims["weekly"] = np.round(rng.uniform(4.5, 38.0, n), 2)
    ctx.cache["ctr"] = claims
    return claims


def _head_of(ctx: Context) -> np.ndarray:
    """Per household position: the head's person index."""
    persons = ctx.population.persons
    head = np.empty(len(ctx.population.households), dtype=np.int64)
    rows = np.flatnonzero((persons["role"].to_numpy() == HEAD) & (persons["kind"].to_numpy() == RESIDENT))
    head[persons["hh"].to_numpy()[rows]] = rows
    return head


def _partner_of(ctx: Context) -> np.ndarray:
    """Per household position: the partner's person index (-1 if none)."""
    persons = ctx.population.persons
    partner = np.full(len(ctx.population.households), -1, dtype=np.int64)
    rows = np.flatnonzero(persons["role"].to_numpy() == PARTNER)
    partner[persons["hh"].to_numpy()[rows]] = rows
    return partner


def _dependants(ctx: Context) -> np.ndarray:
    """Per household position: children under 18."""
    persons = ctx.population.persons
    rows = np.flatnonzero((persons["role"].to_numpy() == CHILD) & (persons["kind"].to_numpy() == RESIDENT))
    return np.bincount(persons["hh"].to_numpy()[rows], minlength=len(ctx.population.households))


def ctr_claim_members(ctx: Context) -> list[DeliveryFile]:
    """Council tax reduction claimants and partners."""
    rng = ctx.rng("ctr_claim_members", "members")
    claims = _ctr_claims(ctx)
    partner = _partner_of(ctx)[claims["hh"].to_numpy()]
    has_partner = partner >= 0
    members = pd.concat(
        [
            claims.assign(person=claims["claimant"], member_type="Claimant", member_no=1),
            claims[has_partner].assign(person=partner[has_partner], member_type="Partner", member_no=2),
        ],
        ignore_index=True,
    )
    person = members["person"].to_numpy()
    records = person_records(ctx, person, members["start"].to_numpy())
    n = len(records)
    records["record_ref"] = (members["claim_ref"] + "/" + members["member_no"].astype(str)).to_numpy(dtype=object)
    records["claim_ref"] = members["claim_ref"].to_numpy(dtype=object)
    records["member_type"] = members["member_type"].to_numpy()
    nino = _column(ctx, "nino", person)
    records["nino"] = np.where((members["member_type"].to_numpy() == "Partner") & (rng.random(n) < 0.4), "", nino)
    records["nino"] = records["nino"].fillna("")
    records["weekly"] = _money(members["weekly"].to_numpy())
    records["benefit"] = members["benefit"].to_numpy()
    records["dependants"] = _dependants(ctx)[members["hh"].to_numpy()]

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = _address(ctx, r["addr"].to_numpy())
        return pd.DataFrame(
            {
                "PERSON REF": r["record_ref"],
                "CLAIM REF": r["claim_ref"],
                "PERSON TYPE": r["member_type"],
                "TITLE": r["title"],
                "FORENAME": r["forename"],
                "SURNAME": r["surname"],
                "DOB": text_dates(r, "dob", DMY_SLASH),
                "NINO": r["nino"],
                "ADDRESS": a["one_line"],
                "POSTCODE": r["postcode"],
                "UPRN": a["uprn_text"],
                "CLAIM START": text_dates(r, "event", DMY_SLASH),
                "WEEKLY CTR": r["weekly"],
                "PASSPORTED BENEFIT": r["benefit"],
                "DEPENDANTS": r["dependants"],
                "EXTRACT DATE": stamped.strftime("%d/%m/%Y"),
            }
        )

    return deliver(ctx, SPECS["ctr_claim_members"], records, render)


def ctax_liable_parties(ctx: Context) -> list[DeliveryFile]:
    """Council tax accounts (one per occupied household) and their liable parties."""
    rng = ctx.rng("ctax_liable_parties")
    persons = ctx.population.persons
    households = ctx.population.households
    n_hh = len(households)
    head = _head_of(ctx)
    # Second liable party: most partners; some other adults (sharers, adult children).
    second = np.where(rng.random(n_hh) < 0.66, _partner_of(ctx), -1)
    age = age_years(persons["dob"].to_numpy(), ctx.as_of)
    other_adults = np.flatnonzero((persons["kind"].to_numpy() == RESIDENT) & np.isin(persons["role"].to_numpy(), (SHARER, ADULT_CHILD)) & (age >= 18))
    joint = other_adults[rng.random(len(other_adults)) < 0.3]
    joint_hh = persons["hh"].to_numpy()[joint]
    first_joint = pd.Series(joint).groupby(joint_hh).first()
    take = (second[first_joint.index.to_numpy()] < 0)
    second[first_joint.index.to_numpy()[take]] = first_joint.to_numpy()[take]
    # Liability starts: the move for households that moved in the window, else years ago.
    move = households["move_date"].to_numpy()
    settled = np.minimum(ctx.window_start - 1, ctx.last_day - np.floor(rng.exponential(11 * 365.25, n_hh)).astype(np.int64))
    start = np.where(move != NO_DATE, move, np.maximum(np.maximum(settled, ctx.birthday(head, 18)), COUNCIL_TAX_BEGAN))
    start = np.minimum(start, ctx.last_day)
    second_start = np.where(rng.random(n_hh) < 0.85, start, uniform_days(rng, start, np.full(n_hh, ctx.last_day)))
    second_start = np.maximum(second_start, np.where(second >= 0, ctx.birthday(np.maximum(second, 0), 18), start))
    has_second = (second >= 0) & (second_start <= ctx.last_day)
    party_hh = np.r_[np.arange(n_hh), np.flatnonzero(has_second)]
    party_person = np.r_[head, second[has_second]]
    party_no = np.r_[np.ones(n_hh, dtype=np.int64), np.full(int(has_second.sum()), 2)]
    party_start = np.r_[start, second_start[has_second]]
    records = person_records(ctx, party_person, party_start)
    n = len(records)
    account = 5_000_000_000 + unique_draws(rng, 0, 1_000_000_000, n_hh)
    records["account"] = account[party_hh].astype(str)
    records["party_no"] = party_no
    records["record_ref"] = (records["account"] + "/" + records["party_no"].astype(str)).to_numpy(dtype=object)
    # Property facts.
    addr = households["addr"].to_numpy()
    classification = ctx.population.properties["classification"].to_numpy()[addr]
    base = pd.Series(classification).map({"RD02": 5.5, "RD03": 4.2, "RD04": 3.2, "RD06": 1.8, "RH02": 1.5}).to_numpy()
    dep = ctx.deprivation[head]
    band = np.clip(np.round(base + rng.normal(0, 0.8, n_hh) - 2.0 * (dep - 0.4)), 0, 7).astype(np.int64)
    records["band"] = np.array(list("ABCDEFGH"), dtype=object)[band[party_hh]]
    adults = np.bincount(persons["hh"].to_numpy()[(persons["kind"].to_numpy() == RESIDENT) & (age >= 18)], minlength=n_hh)
    u = rng.random(n_hh)
    discount = np.where((adults == 1) & (u < 0.96), "SPD", "")
    discount = np.where((adults > 1) & (u < 0.015), "STUDENT", discount)
    discount = np.where((discount == "") & (rng.random(n_hh) < 0.01), "DISABLED REDUCTION", discount)
    records["discount"] = discount[party_hh]
    in_arrears = rng.random(n_hh) < np.clip(0.08 * np.exp(2.5 * (dep - dep.mean())), 0, 0.6)
    arrears = np.where(in_arrears, np.round(rng.lognormal(6.2, 0.9, n_hh), 2), 0.0)
    records["arrears"] = _money(arrears[party_hh])
    claims = _ctr_claims(ctx)
    ctr_start = np.full(n_hh, NO_DATE, dtype=np.int64)
    ctr_start[claims["hh"].to_numpy()] = claims["start"].to_numpy()
    records["ctr_start"] = ctr_start[party_hh]
    method = choose(rng, {"DD": 0.7, "CASH": 0.05, "CARD": 0.1, "BANK TRANSFER": 0.15}, n_hh)
    method = np.where((ctr_start != NO_DATE) & (rng.random(n_hh) < 0.3), "CASH", method)
    records["payment"] = method[party_hh]
    records["property_addr"] = addr[party_hh]

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = _address(ctx, r["property_addr"].to_numpy())
        premises = a["premises"].to_numpy(dtype=object)
        has_premises = premises != ""
        extracted = day_number(period.extracted)
        ctr = r["ctr_start"].to_numpy()
        return pd.DataFrame(
            {
                "PARTY REF": r["record_ref"],
                "ACCOUNT REF": r["account"],
                "PARTY NO": r["party_no"],
                "LIABLE NAME": _liable_names(r),
                "ADDR1": np.where(has_premises, premises, a["thoroughfare"]),
                "ADDR2": np.where(has_premises, a["thoroughfare"], a["locality"]),
                "ADDR3": np.where(has_premises, a["locality"], a["town"]),
                "POSTCODE": r["postcode"],
                "PROPERTY REF": a["uprn_text"],
                "BAND": r["band"],
                "LIABILITY START": text_dates(r, "event", DMY_SLASH),
                "DISCOUNT": r["discount"],
                "ARREARS BALANCE": r["arrears"],
                "CTR AWARD": np.where((ctr != NO_DATE) & (ctr <= extracted), "Y", "N"),
                "PAYMENT METHOD": r["payment"],
                "EXTRACT DATE": stamped.strftime("%d/%m/%Y"),
            }
        )

    return deliver(ctx, SPECS["ctax_liable_parties"], records, render)


def _liable_names(r: pd.DataFrame) -> np.ndarray:
    """'MR JOHN A SMITH': title, forename, middle initial, surname, upper case."""
    middle = r["middle"].to_numpy(dtype=object)
    initial = pd.Series(middle, dtype=str).str.slice(0, 1).to_numpy(dtype=object)
    parts = [r["title"].to_numpy(dtype=object), r["forename"].to_numpy(dtype=object), initial, r["surname"].to_numpy(dtype=object)]
    text = pd.Series(parts[0], dtype=str)
    for part in parts[1:]:
        text = text.str.cat(pd.Series(part, dtype=str), sep=" ")
    return text.str.replace(r"\s+", " ", regex=True).str.strip().str.upper().to_numpy(dtype=object)


# --- education ---------------------------------------------------------------------------------------


def _nc_year(dob: np.ndarray, census: int) -> np.ndarray:
    """National curriculum year (0 = Reception) on a census day: age on the 31 August
    that started the school year, minus four."""
    y, m, _ = components(np.array([census]))
    start_year = int(y[0]) if int(m[0]) >= 9 else int(y[0]) - 1
    return age_years(dob, day_number(datetime(start_year, 8, 31).date())) - 4


def school_census(ctx: Context) -> list[DeliveryFile]:
    """Pupils on roll at Barnet schools on each census day (a snapshot per delivery);
    about 95% of pupils are the same in consecutive snapshots."""
    rng = ctx.rng("school_census")
    persons = ctx.population.persons
    n_persons = len(persons)
    dob = persons["dob"].to_numpy()
    kind = persons["kind"].to_numpy()
    residents = np.flatnonzero(kind == RESIDENT)
    outside = np.flatnonzero(kind == OUT_OF_BOROUGH_PUPIL)
    target = ctx.config.count(VOLUMES_AT_SCALE_1["pupils"]) - len(outside)
    census_days = [day_number(p.extracted) for p in ctx.periods]
    # Stable per-pupil facts, drawn for everyone so they do not depend on who is on roll.
    stable = rng.random((n_persons, 5))
    rolls: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(census_days)
    for k in range(len(census_days) - 1, -1, -1):
        year = _nc_year(dob[residents], census_days[k])
        eligible = (year >= 0) & (year <= 13)
        weight = np.where(eligible, np.where(year >= 12, 0.45, 1.0), 0.0)
        if k == len(census_days) - 1:
            roll = residents[weighted_sample(rng, weight, target)]
        else:
            still = rolls[k + 1][np.isin(rolls[k + 1], residents[eligible])]
            roll = still[rng.random(len(still)) >= 0.05]  # pupils who joined since this census
            weight[np.isin(residents, roll)] = 0.0
            roll = np.sort(np.r_[roll, residents[weighted_sample(rng, weight, target - len(roll))]])
        out_year = _nc_year(dob[outside], census_days[k])
        rolls[k] = np.r_[roll, outside[(out_year >= 0) & (out_year <= 13)]]
    person = np.concatenate(rolls)
    period = np.repeat(np.arange(len(rolls)), [len(r) for r in rolls])
    event = np.array(census_days)[period]
    records = person_records(ctx, person, event)
    records["period"] = period
    records["record_ref"] = persons["upn"].to_numpy()[person]
    nc = np.concatenate([_nc_year(dob[r], d) for r, d in zip(rolls, census_days)])
    records["nc_year"] = np.where(nc == 0, "R", nc.astype(str)).astype(object)
    u = stable[person]
    disabled = persons["disabled"].to_numpy()[person]
    records["sen"] = np.where(u[:, 0] < 0.03 + 0.06 * disabled, "E", np.where(u[:, 0] < 0.15 + 0.05 * disabled, "K", "N"))
    records["fsm"] = np.where(u[:, 1] < 0.06 + 0.4 * ctx.deprivation[person], "true", "false")
    records["enrol"] = np.where(u[:, 2] < 0.975, "C", np.where(u[:, 2] < 0.995, "M", "S"))
    surnames = ctx.population.names.surnames
    preferred = np.where(records["prev_surname"].to_numpy() != "", records["prev_surname"].to_numpy(), surnames[(u[:, 3] * len(surnames)).astype(int)])
    records["preferred"] = np.where(u[:, 3] < 0.03, preferred, "")
    codes = ctx.coder.encode("dfe", persons["group"].to_numpy(), rng)  # one code per pupil, stable across snapshots
    records["ethnicity"] = codes[person]
    records["gender"] = np.where(records["male"].to_numpy(), "M", "F")
    records["school"] = _schools_for(ctx, person, records["addr"].to_numpy(), nc, persons["school_u"].to_numpy()[person])

    def render(r: pd.DataFrame, period_: Period, stamped: datetime) -> pd.DataFrame:
        a = _address(ctx, r["addr"].to_numpy())
        schools = ctx.geo.schools
        school = r["school"].to_numpy()
        return pd.DataFrame(
            {
                "UPN": r["record_ref"],
                "Surname": r["surname"],
                "Forename": r["forename"],
                "MiddleNames": r["middle"],
                "PreferredSurname": r["preferred"],
                "Gender": r["gender"],
                "DOB": text_dates(r, "dob", ISO),
                "Ethnicity": r["ethnicity"],
                "SENprovision": r["sen"],
                "FSMeligible": r["fsm"],
                "EnrolStatus": r["enrol"],
                "NCyearActual": r["nc_year"],
                "SchoolURN": schools["urn"].to_numpy()[school],
                "SchoolName": schools["name"].to_numpy()[school],
                "AddressLine1": a["line1"],
                "Postcode": r["postcode"],
                "CensusDate": format_days(r["event"].to_numpy(), ISO),
            }
        )

    return deliver(ctx, SPECS["school_census"], records, render)


def _schools_for(ctx: Context, person: np.ndarray, addr: np.ndarray, nc_year: np.ndarray, u: np.ndarray) -> np.ndarray:
    """School index per pupil row: a primary in the home ward (Reception to Year 6), the
    home ward's secondary for most older pupils; pupils from outside pick by `u`."""
    schools = ctx.geo.schools
    n_wards = len(ctx.geo.wards)
    ward = ctx.population.addresses["ward"].to_numpy()[addr]
    ward = np.where(ward >= 0, ward, (u * n_wards).astype(int) % n_wards)
    primaries = np.flatnonzero(schools["phase"].to_numpy() == "primary")
    secondaries = np.flatnonzero(schools["phase"].to_numpy() == "secondary")
    per_ward = len(primaries) // n_wards
    primary = primaries[ward * per_ward + (u * 997).astype(int) % per_ward]
    secondary = secondaries[np.where(u < 0.7, ward, (u * 7919).astype(int) % n_wards)]
    return np.where(nc_year <= 6, primary, secondary)


# --- community safety ------------------------------------------------------------------------------

ASB_TYPES = {"Personal ASB": 0.25, "Nuisance ASB": 0.3, "Environmental ASB": 0.1, "Hate incident": 0.05, "Drug-related": 0.15, "Noise": 0.15}
ASB_OUTCOMES = {
    "Warning letter": 0.3, "Acceptable Behaviour Contract": 0.1, "Community Protection Warning": 0.12,
    "Community Protection Notice": 0.06, "Civil Injunction": 0.04, "Criminal Behaviour Order": 0.02,
    "Prosecution": 0.02, "No further action": 0.18, "Open": 0.16,
}
ASB_AGENCIES = (("Police", 0.6), ("Housing provider", 0.3), ("Mental health services", 0.12), ("Probation", 0.08), ("Social care", 0.1))


def asb_cases(ctx: Context) -> list[DeliveryFile]:
    """Anti-social behaviour case subjects: mostly young, mostly male; some have several cases."""
    rng = ctx.rng("asb_cases")
    candidates = _residents(ctx)
    age = age_years(_column(ctx, "dob", candidates), ctx.as_of)
    male = _column(ctx, "male", candidates)
    weight = (np.exp(-(((age - 21) / 9.0) ** 2)) + np.where(age >= 18, 0.04, 0.0)) * np.where(age >= 11, 1.0, 0.0)
    weight = weight * np.where(male, 2.5, 1.0) * np.exp(2.5 * ctx.deprivation[candidates])
    target = ctx.config.count(VOLUMES_AT_SCALE_1["asb_cases"])
    people, low, high = _sample_people(ctx, rng, candidates, weight, round(target / 1.26), min_age=10)
    counts = 1 + categorical(rng, [0.8, 0.14, 0.06], len(people))
    owner, event = _repeat_events(rng, uniform_days(rng, low, high), high, counts, (14, 300))
    records = person_records(ctx, people[owner], event)
    n = len(records)
    records["record_ref"] = _yearly_refs(event, "ASB/", "/")
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
        a = _address(ctx, r["addr"].to_numpy())
        surname = r["surname"].to_numpy(dtype=object)
        surname = np.where(r["upper_surname"].to_numpy(), pd.Series(surname, dtype=str).str.upper().to_numpy(dtype=object), surname)
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

    return deliver(ctx, SPECS["asb_cases"], records, render)


# --- NHS partner ---------------------------------------------------------------------------------------

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
    records["record_ref"] = _refs_in_order(event, sequential_ids(rng, n, 10_000_000, 2)).astype(str).astype(object)
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
        diabetes.astype(int), copd.astype(int), smi.astype(int), dementia.astype(int),
    )
    frailty = np.minimum(rng.poisson(np.clip((age - 62) / 10, 0, 3)), 3)
    records["frailty"] = np.where(age >= 65, np.array(FRAILTY, dtype=object)[frailty], "")
    records["ae"] = rng.poisson(0.22 + 0.25 * older + 0.2 * dep + 0.1 * (age < 5))
    records["admissions"] = rng.poisson(0.04 + 0.25 * older**2 + 0.05 * dep)

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        nhs = pd.Series(r["nhs"].to_numpy(dtype=object), dtype=str)
        written = nhs.str.slice(0, 3) + " " + nhs.str.slice(3, 6) + " " + nhs.str.slice(6)
        nhs = np.where(r["spaced"].to_numpy() & (nhs != "").to_numpy(), written.to_numpy(dtype=object), nhs.to_numpy(dtype=object))
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

    return deliver(ctx, SPECS["nhs_partner_extract"], records, render)


# --- employment and skills ------------------------------------------------------------------------------

PROGRAMMES_YOUNG = {"Youth Employment Hub": 0.5, "Adult Skills": 0.2, "Restart": 0.1, "Connect to Work": 0.1, "Work and Health Programme": 0.1}
PROGRAMMES_ADULT = {"Youth Employment Hub": 0.0, "Adult Skills": 0.25, "Restart": 0.3, "Connect to Work": 0.2, "Work and Health Programme": 0.25}
EMPLOYMENT_STATUS = {"Unemployed - claiming": 0.45, "Unemployed - not claiming": 0.2, "Economically inactive": 0.25, "Employed - seeking progression": 0.1}


def participants_export(ctx: Context) -> list[DeliveryFile]:
    """Employment support participants to date (one workbook, replaced each delivery)."""
    rng = ctx.rng("participants_export")
    candidates = _residents(ctx)
    age = age_years(_column(ctx, "dob", candidates), ctx.as_of)
    weight = np.where((age >= 16) & (age <= 64), np.where(age < 25, 1.6, np.where(age >= 50, 1.2, 1.0)), 0.0)
    weight = weight * np.exp(2.5 * ctx.deprivation[candidates])
    person, low, high = _sample_people(
        ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["employment_participants"]), min_age=16, max_age=64
    )
    event = uniform_days(rng, low, high)
    records = person_records(ctx, person, event)
    n = len(records)
    records["period"] = len(ctx.periods) - 1
    records["record_ref"] = _refs_in_order(event, sequential_ids(rng, n, 10_000, 2)).astype(str)
    records["record_ref"] = ("EMP-" + records["record_ref"].str.zfill(5)).to_numpy(dtype=object)
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "Female", "Male", {"Non-binary": 0.005, "Prefer not to say": 0.01})
    records["ethnicity"] = ctx.coder.encode("la_text", records["group"].to_numpy(), rng)
    disabled = _column(ctx, "disabled", person)
    records["disability"] = np.where(rng.random(n) < 0.03, "Prefer not to say", np.where(disabled, "Yes", "No"))
    records["email"] = _emails(ctx, person)
    mobile = _column(ctx, "mobile", person)
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
        a = _address(ctx, r["addr"].to_numpy())
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

    return deliver(ctx, SPECS["participants_export"], records, render)


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
    for s, k, d, f, l in zip(style.tolist(), number.tolist(), domain.tolist(), first, last):
        local = ("", f"{f}.{l}", f"{f}{l}{k}", f"{f[:1]}.{l}{k}", f"{f}_{l}")[s + 1]
        out.append(f"{local}@{d}" if local else "")
    return np.array(out, dtype=object)


def _ascii(name: str) -> str:
    """Lower-case ASCII letters of a name (Zoë -> zoe, O'Brien -> obrien)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalpha())


#: Builders by source table, in the order files are written.
BUILDERS: dict[str, Callable[[Context], list[DeliveryFile]]] = {
    "housing_register": housing_register,
    "homelessness_hclic": homelessness_hclic,
    "asc_services": asc_services,
    "csc_referrals": csc_referrals,
    "csc_family_members": csc_family_members,
    "ctax_liable_parties": ctax_liable_parties,
    "ctr_claim_members": ctr_claim_members,
    "school_census": school_census,
    "asb_cases": asb_cases,
    "nhs_partner_extract": nhs_partner_extract,
    "participants_export": participants_export,
}
