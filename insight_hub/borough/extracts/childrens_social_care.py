"""Children's social care: referrals of children and the family members and
carers recorded with them; a person has one case-system id in both files."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd

from insight_hub.borough.config import VOLUMES_AT_SCALE_1, Period
from insight_hub.borough.dates import DMON, NO_DATE, age_years
from insight_hub.borough.delivery import (
    PIPE,
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
    head_of,
    household_type,
    person_column,
    refs_in_order,
    repeat_events,
    resident_persons,
    sample_people,
)
from insight_hub.borough.faults import FieldSet
from insight_hub.borough.population import ADULT_CHILD, CHILD, GRANDPARENT, HEAD, LONE_PARENT, MULTIGEN, PARTNER
from insight_hub.borough.streams import categorical, unique_draws

CSC_REFERRALS_SPEC = ExtractSpec("childrens_social_care", "csc_referrals", PIPE, FieldSet(), time(3, 12, 45))
CSC_FAMILY_MEMBERS_SPEC = ExtractSpec("childrens_social_care", "csc_family_members", PIPE, FieldSet(), time(3, 14, 2))

CSC_SOURCES = {
    "Police": 0.28,
    "Schools": 0.2,
    "Health services": 0.15,
    "Individual": 0.08,
    "LA services": 0.1,
    "Other legal agency": 0.06,
    "Anonymous": 0.03,
    "Other": 0.1,
}
CSC_NEEDS = {"N1": 0.55, "N2": 0.06, "N3": 0.08, "N4": 0.14, "N5": 0.03, "N6": 0.03, "N7": 0.02, "N8": 0.06, "N9": 0.03}


def _csc_children(ctx: Context) -> pd.DataFrame:
    """The referred children and their referrals (shared by both CSC files)."""
    if "csc" not in ctx.cache:
        rng = ctx.rng("csc_referrals")
        candidates = resident_persons(ctx, (CHILD,))
        kind = household_type(ctx, candidates)
        weight = np.where(kind == LONE_PARENT, 2.5, np.where(kind == MULTIGEN, 1.3, 1.0)) * np.exp(
            3.0 * ctx.deprivation[candidates]
        )
        children, low, high = sample_people(
            ctx, rng, candidates, weight, ctx.config.count(VOLUMES_AT_SCALE_1["csc_children"]), max_age=17
        )
        counts = 1 + categorical(rng, [0.7, 0.2, 0.1], len(children))
        owner, event = repeat_events(rng, uniform_days(rng, low, high), high, counts, (30, 400))
        looked_after = rng.random(len(children)) < 0.06
        ctx.cache["csc"] = pd.DataFrame(
            {"person": children[owner], "event": event, "looked_after": looked_after[owner]}
        )
    return ctx.cache["csc"]


def _csc_ids(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Case-system person ids (text) of people in either CSC file: one id per person,
    whether they appear as a referred child, a family member or both."""
    if "csc_ids" not in ctx.cache:
        people = np.unique(
            np.concatenate([_csc_children(ctx)["person"].to_numpy(), _csc_family(ctx)["member"].to_numpy()])
        )
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
    records["record_ref"] = (
        refs_in_order(records["event"].to_numpy(), sequential_ids(rng, n, 40_000_000, 9)).astype(str).astype(object)
    )
    records["child_id"] = _csc_ids(ctx, person)
    records["gender"] = sex_labels(rng, records["male"].to_numpy(), "F", "M", {"U": 0.005})
    records["ethnicity"] = ctx.coder.encode("dfe", records["group"].to_numpy(), rng)
    records["source"] = choose(rng, CSC_SOURCES, n)
    records["need"] = choose(rng, CSC_NEEDS, n)
    records["cp_plan"] = np.where(rng.random(n) < 0.12, "Y", "N")
    records["looked_after"] = np.where(referrals["looked_after"].to_numpy(), "Y", "N")
    records["disability"] = np.where(person_column(ctx, "disabled", person), "Y", "N")

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

    return deliver(ctx, CSC_REFERRALS_SPEC, records, render)


def _csc_family(ctx: Context) -> pd.DataFrame:
    """(child, member, relationship, lives_with_child, recorded day) for referred children:
    parents, siblings and grandparents at home, and relatives, absent parents and
    foster carers from other households."""
    if "csc_family" in ctx.cache:
        return ctx.cache["csc_family"]
    rng = ctx.rng("csc_family_members")
    persons = ctx.population.persons
    referrals = _csc_children(ctx)
    first = referrals.groupby("person", sort=True).agg(first=("event", "min"), looked_after=("looked_after", "first"))
    child = first.index.to_numpy()
    hh = persons["hh"].to_numpy()
    role = persons["role"].to_numpy()
    male = persons["male"].to_numpy()
    residents = resident_persons(ctx)
    home = pd.DataFrame({"member": residents, "hh": hh[residents]}).merge(
        pd.DataFrame({"child": child, "hh": hh[child]}), on="hh"
    )
    home = home[home["member"] != home["child"]]
    m_role = role[home["member"].to_numpy()]
    m_male = male[home["member"].to_numpy()]
    u = rng.random(len(home))
    parent = np.isin(m_role, (HEAD, PARTNER))
    relationship = np.select(
        [
            parent & (m_role == PARTNER) & (u < 0.12),
            parent & m_male,
            parent,
            m_role == GRANDPARENT,
            np.isin(m_role, (CHILD, ADULT_CHILD)),
        ],
        ["Step-parent", "Father", "Mother", "Grandparent", "Sibling"],
        default="Other",
    )
    keep = np.select(
        [parent, m_role == GRANDPARENT, np.isin(m_role, (CHILD, ADULT_CHILD))], [0.85, 0.5, 0.22], default=0.2
    )
    keep_rows = rng.random(len(home)) < keep
    frames = [
        pd.DataFrame(
            {
                "child": home["child"].to_numpy()[keep_rows],
                "member": home["member"].to_numpy()[keep_rows],
                "relationship": relationship[keep_rows],
                "lives": "Y",
            }
        )
    ]
    age = age_years(persons["dob"].to_numpy()[residents], ctx.as_of)
    kind = household_type(ctx, child)
    lone_head_male = male[head_of(ctx)[hh[child]]]
    for label, chosen, pool_mask in (
        (
            "Father",
            (kind == LONE_PARENT) & ~lone_head_male & (rng.random(len(child)) < 0.45),
            male[residents] & (age >= 20) & (age <= 65),
        ),
        (
            "Mother",
            (kind == LONE_PARENT) & lone_head_male & (rng.random(len(child)) < 0.45),
            ~male[residents] & (age >= 20) & (age <= 60),
        ),
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
    recorded = np.maximum(
        first_referral + rng.integers(0, 22, len(family)), persons["dob"].to_numpy()[family["member"].to_numpy()] + 1
    )
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
    records["record_ref"] = (
        refs_in_order(records["event"].to_numpy(), sequential_ids(rng, n, 70_000_000, 9)).astype(str).astype(object)
    )
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

    return deliver(ctx, CSC_FAMILY_MEMBERS_SPEC, records, render)
