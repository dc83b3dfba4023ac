"""Education: the school census, a snapshot of pupils on roll per delivery."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import ISO, age_years, components, day_number, format_days
from insight_hub.borough.delivery import CSV, Context, DeliveryFile, ExtractSpec, deliver, person_records, text_dates
from insight_hub.borough.extracts.common import address_fields
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import OUT_OF_BOROUGH_PUPIL, RESIDENT
from insight_hub.borough.streams import weighted_sample

SCHOOL_CENSUS_SPEC = ExtractSpec("education", "school_census", CSV, FieldSet(), time(0, 0))


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
    nc = np.concatenate([_nc_year(dob[r], d) for r, d in zip(rolls, census_days, strict=True)])
    records["nc_year"] = np.where(nc == 0, "R", nc.astype(str)).astype(object)
    u = stable[person]
    disabled = persons["disabled"].to_numpy()[person]
    records["sen"] = np.where(
        u[:, 0] < 0.03 + 0.06 * disabled, "E", np.where(u[:, 0] < 0.15 + 0.05 * disabled, "K", "N")
    )
    records["fsm"] = np.where(u[:, 1] < 0.06 + 0.4 * ctx.deprivation[person], "true", "false")
    records["enrol"] = np.where(u[:, 2] < 0.975, "C", np.where(u[:, 2] < 0.995, "M", "S"))
    surnames = ctx.population.names.surnames
    preferred = np.where(
        records["prev_surname"].to_numpy() != "",
        records["prev_surname"].to_numpy(),
        surnames[(u[:, 3] * len(surnames)).astype(int)],
    )
    records["preferred"] = np.where(u[:, 3] < 0.03, preferred, "")
    codes = ctx.coder.encode("dfe", persons["group"].to_numpy(), rng)  # one code per pupil, stable across snapshots
    records["ethnicity"] = codes[person]
    records["gender"] = np.where(records["male"].to_numpy(), "M", "F")
    records["school"] = _schools_for(
        ctx, person, records["addr"].to_numpy(), nc, persons["school_u"].to_numpy()[person]
    )

    def render(r: pd.DataFrame, period_: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
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

    return deliver(ctx, SCHOOL_CENSUS_SPEC, records, render)


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
