"""Revenues and benefits: council tax accounts and their liable parties, and
council tax reduction claimants and partners (the CTR claims feed both files)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import DMY_SLASH, NO_DATE, age_years, day_number
from insight_hub.borough.delivery import (
    CSV,
    Context,
    DeliveryFile,
    ExtractSpec,
    choose,
    deliver,
    person_records,
    sequential_ids,
    text_dates,
    uniform_days,
)
from insight_hub.borough.extracts.common import (
    address_fields,
    head_of,
    household_type,
    person_column,
    refs_in_order,
    resident_persons,
    sample_people,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import ADULT_CHILD, CHILD, HEAD, PARTNER, RESIDENT, SHARER
from insight_hub.borough.streams import unique_draws

CTAX_LIABLE_PARTIES_SPEC = ExtractSpec(
    "revenues_benefits", "ctax_liable_parties", CSV, FieldSet(dob=False, own_address=False)
)
CTR_CLAIM_MEMBERS_SPEC = ExtractSpec("revenues_benefits", "ctr_claim_members", CSV, FieldSet())

COUNCIL_TAX_BEGAN = day_number(datetime(1993, 4, 1).date())


def _ctr_claims(ctx: Context) -> pd.DataFrame:
    """Council tax reduction claims, one per claiming household (shared by the CTR
    file and the council tax file's CTR AWARD flag)."""
    if "ctr" in ctx.cache:
        return ctx.cache["ctr"]
    rng = ctx.rng("ctr_claim_members")
    persons = ctx.population.persons
    households = ctx.population.households
    heads = resident_persons(ctx, (HEAD,))
    kind = household_type(ctx, heads)
    age = age_years(persons["dob"].to_numpy()[heads], ctx.as_of)
    factor = np.array([1.3, 0.8, 1.5, 3.0, 1.6, 0.3])[kind] * np.where(age >= 66, 2.0, 1.0)
    weight = factor * np.exp(3.0 * ctx.deprivation[heads])
    claimant, low, high = sample_people(
        ctx, rng, heads, weight, ctx.config.count(VOLUMES_AT_SCALE_1["ctr_claims"]), min_age=18
    )
    hh_move = households["move_date"].to_numpy()[persons["hh"].to_numpy()[claimant]]
    low = np.where(hh_move != NO_DATE, np.maximum(low, hh_move), low)
    ok = low <= high
    claimant, low, high = claimant[ok], low[ok], high[ok]
    start = uniform_days(rng, low, high)
    hh = persons["hh"].to_numpy()[claimant]
    claims = pd.DataFrame({"claimant": claimant, "hh": hh, "start": start})
    claims["claim_ref"] = refs_in_order(start, sequential_ids(rng, len(claims), 60_000_000, 5)).astype(str)
    pension = age_years(persons["dob"].to_numpy()[claimant], start) >= 66
    n = len(claims)
    claims["benefit"] = np.where(
        pension,
        choose(rng, {"Pension Credit": 0.6, "None": 0.4}, n),
        choose(
            rng, {"Universal Credit": 0.72, "ESA (IR)": 0.08, "JSA (IB)": 0.03, "Income Support": 0.02, "None": 0.15}, n
        ),
    )
    claims["weekly"] = np.round(rng.uniform(4.5, 38.0, n), 2)
    ctx.cache["ctr"] = claims
    return claims


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
    nino = person_column(ctx, "nino", person)
    records["nino"] = np.where((members["member_type"].to_numpy() == "Partner") & (rng.random(n) < 0.4), "", nino)
    records["nino"] = records["nino"].fillna("")
    records["weekly"] = _money(members["weekly"].to_numpy())
    records["benefit"] = members["benefit"].to_numpy()
    records["dependants"] = _dependants(ctx)[members["hh"].to_numpy()]

    def render(r: pd.DataFrame, period: Period, stamped: datetime) -> pd.DataFrame:
        a = address_fields(ctx, r["addr"].to_numpy())
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

    return deliver(ctx, CTR_CLAIM_MEMBERS_SPEC, records, render)


def ctax_liable_parties(ctx: Context) -> list[DeliveryFile]:
    """Council tax accounts (one per occupied household) and their liable parties."""
    rng = ctx.rng("ctax_liable_parties")
    persons = ctx.population.persons
    households = ctx.population.households
    n_hh = len(households)
    head = head_of(ctx)
    # Second liable party: most partners; some other adults (sharers, adult children).
    second = np.where(rng.random(n_hh) < 0.66, _partner_of(ctx), -1)
    age = age_years(persons["dob"].to_numpy(), ctx.as_of)
    other_adults = np.flatnonzero(
        (persons["kind"].to_numpy() == RESIDENT)
        & np.isin(persons["role"].to_numpy(), (SHARER, ADULT_CHILD))
        & (age >= 18)
    )
    joint = other_adults[rng.random(len(other_adults)) < 0.3]
    joint_hh = persons["hh"].to_numpy()[joint]
    first_joint = pd.Series(joint).groupby(joint_hh).first()
    take = second[first_joint.index.to_numpy()] < 0
    second[first_joint.index.to_numpy()[take]] = first_joint.to_numpy()[take]
    # Liability starts: the move for households that moved in the window, else years ago.
    move = households["move_date"].to_numpy()
    settled = np.minimum(
        ctx.window_start - 1, ctx.last_day - np.floor(rng.exponential(11 * 365.25, n_hh)).astype(np.int64)
    )
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
    adults = np.bincount(
        persons["hh"].to_numpy()[(persons["kind"].to_numpy() == RESIDENT) & (age >= 18)], minlength=n_hh
    )
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
        a = address_fields(ctx, r["property_addr"].to_numpy())
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

    return deliver(ctx, CTAX_LIABLE_PARTIES_SPEC, records, render)


def _liable_names(r: pd.DataFrame) -> np.ndarray:
    """'MR JOHN A SMITH': title, forename, middle initial, surname, upper case."""
    middle = r["middle"].to_numpy(dtype=object)
    initial = pd.Series(middle, dtype=str).str.slice(0, 1).to_numpy(dtype=object)
    parts = [
        r["title"].to_numpy(dtype=object),
        r["forename"].to_numpy(dtype=object),
        initial,
        r["surname"].to_numpy(dtype=object),
    ]
    text = pd.Series(parts[0], dtype=str)
    for part in parts[1:]:
        text = text.str.cat(pd.Series(part, dtype=str), sep=" ")
    return text.str.replace(r"\s+", " ", regex=True).str.strip().str.upper().to_numpy(dtype=object)


def _money(pounds: np.ndarray) -> np.ndarray:
    """Amounts as text with two decimals (1234.5 -> '1234.50')."""
    pence = pd.Series(np.round(np.asarray(pounds) * 100).astype(np.int64))
    return ((pence // 100).astype(str) + "." + (pence % 100).astype(str).str.zfill(2)).to_numpy(dtype=object)
