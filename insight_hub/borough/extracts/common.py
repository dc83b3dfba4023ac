"""Helpers the builders of several services share: which residents a service
can reach and their household, who is drawn and when their events fall, the
references records carry, and the address fields a file writes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insight_hub.borough.dates import components
from insight_hub.borough.delivery import Context
from insight_hub.borough.population import HEAD, RESIDENT
from insight_hub.borough.streams import weighted_sample


def address_fields(ctx: Context, addr: np.ndarray) -> pd.DataFrame:
    """Address fields of address indices (uprn as text, '' outside the borough)."""
    table = ctx.population.addresses.iloc[addr].reset_index(drop=True)
    table["uprn_text"] = np.where(table["uprn"].to_numpy() > 0, table["uprn"].astype(str).to_numpy(dtype=object), "")
    return table


def resident_persons(ctx: Context, roles: tuple[int, ...] | None = None) -> np.ndarray:
    """Person indices of residents (only those of `roles` when given)."""
    persons = ctx.population.persons
    mask = persons["kind"].to_numpy() == RESIDENT
    if roles is not None:
        mask &= np.isin(persons["role"].to_numpy(), roles)
    return np.flatnonzero(mask)


def person_column(ctx: Context, name: str, person: np.ndarray) -> np.ndarray:
    """One column of the population's persons table, for person indices."""
    return ctx.population.persons[name].to_numpy()[person]


def household_type(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Household type of residents (-1 for non-residents)."""
    hh = person_column(ctx, "hh", person)
    return np.where(hh >= 0, ctx.population.households["type"].to_numpy()[np.maximum(hh, 0)], -1)


def head_of(ctx: Context) -> np.ndarray:
    """Per household position: the head's person index."""
    persons = ctx.population.persons
    head = np.empty(len(ctx.population.households), dtype=np.int64)
    rows = np.flatnonzero((persons["role"].to_numpy() == HEAD) & (persons["kind"].to_numpy() == RESIDENT))
    head[persons["hh"].to_numpy()[rows]] = rows
    return head


def sample_people(
    ctx: Context,
    rng: np.random.Generator,
    candidates: np.ndarray,
    weight: np.ndarray,
    k: int,
    min_age: int = 0,
    max_age: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`k` people drawn by weight among those who can have an event in the window;
    returns them with their earliest and latest event day."""
    low, high = ctx.event_bounds(candidates, min_age, max_age)
    ok = low <= high
    picked = weighted_sample(rng, np.where(ok, weight, 0.0), k)
    return candidates[picked], low[picked], high[picked]


def repeat_events(
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


def refs_in_order(event: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Assign increasing `ids` to records in event order."""
    out = np.empty(len(event), dtype=ids.dtype)
    out[np.argsort(event, kind="stable")] = ids
    return out


def yearly_refs(event: np.ndarray, prefix: str, sep: str) -> np.ndarray:
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
