"""The synthetic population: households at properties, the people in them, their
names, identifiers and moves, and the non-residents who still turn up in
extracts (ghost GP registrations, pupils who live outside the borough).

Everything is built whole-table with numpy: no Python loop runs per person.
People are rows of `Population.persons`; names are indices into the
`NameBook` vocabularies and addresses indices into `Population.addresses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from insight_hub.borough.config import HOUSEHOLDS_AT_SCALE_1, RESIDENTS_AT_SCALE_1, VOLUMES_AT_SCALE_1, BoroughConfig
from insight_hub.borough.dates import NO_DATE, day_number
from insight_hub.borough.geography import (
    FAR_DISTRICTS,
    INWARD_LETTERS,
    NEIGHBOUR_DISTRICTS,
    STREET_STEMS,
    STREET_SUFFIXES,
    WARDS,
    Geography,
    build_properties,
)
from insight_hub.borough.names import FORENAME_MIX, SURNAME_MIX, NameBook
from insight_hub.borough.streams import categorical, categorical_rows, stream, unique_draws

# Household types.
SINGLE, COUPLE, COUPLE_KIDS, LONE_PARENT, MULTIGEN, SHARERS = range(6)
HOUSEHOLD_TYPE_SHARES = np.array([0.28, 0.22, 0.23, 0.09, 0.07, 0.11])

# Roles within a household, in the order members are listed.
HEAD, PARTNER, GRANDPARENT, ADULT_CHILD, CHILD, SHARER = range(6)

# Kinds of person.
RESIDENT, GHOST, OUT_OF_BOROUGH_PUPIL = range(3)

#: Barnet-like shares of the 19 census 2021 ethnic groups (index 0 = code 1).
ETHNIC_SHARES = np.array(
    [0.8, 2.2, 7.0, 1.6, 7.7, 5.0, 1.4, 1.5, 1.6, 0.8, 1.0, 2.0, 35.7, 2.0, 0.1, 0.4, 19.5, 2.3, 7.4]
)
#: Shares drawn for heads, partners and sharers: mixed groups less often, as children
#: of parents from different groups make up the rest of the borough's mixed share.
DRAW_SHARES = ETHNIC_SHARES * np.where(np.isin(np.arange(1, 20), (9, 10, 11, 12)), 0.65, 1.0)
#: Where some groups are more present than the borough average (multipliers by ward).
WARD_TILTS: dict[str, dict[int, float]] = {
    "Burnt Oak": {6: 2.4, 17: 1.4, 5: 1.3, 13: 0.6},
    "Colindale North": {6: 1.8, 17: 1.3, 5: 1.6, 3: 1.3, 13: 0.6},
    "Colindale South": {6: 1.8, 17: 1.3, 5: 1.6, 18: 1.5, 13: 0.6},
    "West Hendon": {6: 1.8, 5: 1.4, 4: 1.5, 13: 0.7},
    "Edgware": {3: 1.8, 5: 1.3, 17: 1.2},
    "Edgwarebury": {3: 1.6, 13: 1.1},
    "Golders Green": {17: 1.3, 13: 1.2, 2: 1.2},
    "Garden Suburb": {13: 1.3, 17: 1.2},
    "Childs Hill": {18: 2.0, 19: 1.5, 17: 1.1},
    "Cricklewood": {18: 1.8, 19: 1.5, 6: 1.2},
    "Hendon": {19: 1.2, 3: 1.2, 18: 1.3},
    "High Barnet": {13: 1.4},
    "Underhill": {13: 1.2, 6: 1.3},
    "Totteridge and Woodside": {13: 1.3},
    "Barnet Vale": {13: 1.3},
    "East Barnet": {13: 1.2, 17: 1.2},
    "Brunswick Park": {17: 1.4},
    "Friern Barnet": {17: 1.3},
}
TITLES_FEMALE_PARTNERED = (("Mrs", 0.7), ("Ms", 0.3))
TITLES_FEMALE_YOUNG = (("Miss", 0.5), ("Ms", 0.5))
TITLES_FEMALE_OTHER = (("Ms", 0.6), ("Mrs", 0.2), ("Miss", 0.2))
EMAIL_DOMAINS = np.array(["example.com", "example.org", "example.net"], dtype=object)
NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_EXCLUDED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
BARNET_LA_NUMBER = 302


@dataclass(frozen=True)
class Population:
    """People, households and addresses.

    persons: person_id, household_id, hh (position in `households`, -1 for
      non-residents), kind, role, male, dob (day number), group (census 1-19),
      forename, middle1, middle2, surname, prev_surname (name indices, -1 none),
      title, disabled, nhs, nino, upn, email_style, email_number, email_domain,
      mobile (-1 none), addr, prev_addr (-1 none), move_date, left_date (ghosts),
      gp_registered (day or NO_DATE), school_u (a uniform for stable school choice).
    households: household_id, type, member counts (partner, children,
      adult_children, grandparents, sharers), size, addr, lsoa, move_date.
    addresses: gazetteer properties (first rows, same order as `properties`) then
      external addresses; uprn (0 = none), sao, pao_number (0 = none), pao_text,
      street, locality, town, postcode, lsoa and ward (-1 outside), line1, one_line.
    """

    persons: pd.DataFrame
    households: pd.DataFrame
    properties: pd.DataFrame
    addresses: pd.DataFrame
    names: NameBook

    @property
    def residents(self) -> pd.DataFrame:
        return self.persons[self.persons["kind"] == RESIDENT]


def build_population(config: BoroughConfig, geo: Geography, names: NameBook) -> Population:
    """Households, people and non-residents for `config` (depends on seed, scale and as-of only)."""
    seed = config.seed
    as_of = day_number(config.as_of)
    window_start = day_number(config.window_start)
    last_day = day_number(config.periods[-1].end)
    n_households = config.count(HOUSEHOLDS_AT_SCALE_1)
    n_residents = max(n_households, config.count(RESIDENTS_AT_SCALE_1))

    households = _household_structure(stream(seed, "population", "households"), n_households, n_residents)
    properties = build_properties(geo, n_households, stream(seed, "population", "properties"))
    households["addr"] = _place_households(stream(seed, "population", "placement"), households, properties)
    households = households.sort_values("addr", kind="stable").reset_index(drop=True)
    households["household_id"] = np.arange(1, n_households + 1)
    households["lsoa"] = properties["lsoa"].to_numpy()[households["addr"].to_numpy()]

    persons = _members(stream(seed, "population", "members"), households, as_of)
    _ethnicity(stream(seed, "population", "ethnicity"), persons, households, geo)
    _names(stream(seed, "population", "names"), persons, names)
    external = _MoveTargets(stream(seed, "population", "moves"), properties)
    _moves(stream(seed, "population", "moves", "dates"), persons, households, external, window_start, last_day)

    ghosts = _ghosts(stream(seed, "population", "ghosts"), names, properties, as_of, n_residents)
    n_pupils_out = round(config.count(VOLUMES_AT_SCALE_1["pupils"]) * 0.08)
    pupils_out = _pupils_out(stream(seed, "population", "pupils_out"), config, names, external, as_of, n_pupils_out)
    persons = pd.concat([persons, ghosts, pupils_out], ignore_index=True)
    first_other_household = n_households + 1
    others = persons["kind"].to_numpy() != RESIDENT
    persons.loc[others, "household_id"] = first_other_household + np.arange(int(others.sum()))
    persons["person_id"] = np.arange(1, len(persons) + 1)

    _attributes(stream(seed, "population", "attributes"), persons, as_of)
    _identifiers(stream(seed, "population", "identifiers"), persons, as_of)
    _gp_registration(stream(seed, "population", "gp"), persons, last_day, len(properties))
    addresses = _address_table(properties, external.frame)
    return Population(persons, households, properties, addresses, names)


# --- households ---------------------------------------------------------------------------


def _household_structure(rng: np.random.Generator, n: int, n_residents: int) -> pd.DataFrame:
    """Type and member counts per household, adjusted so the total is exactly `n_residents`."""
    kind = categorical(rng, HOUSEHOLD_TYPE_SHARES, n)
    partner = np.isin(kind, (COUPLE, COUPLE_KIDS)) | ((kind == MULTIGEN) & (rng.random(n) < 0.85))
    children = np.zeros(n, dtype=np.int64)
    for k, weights in (
        (COUPLE_KIDS, [0.5, 0.35, 0.11, 0.04]),
        (LONE_PARENT, [0.6, 0.3, 0.1]),
        (MULTIGEN, [0.5, 0.4, 0.1]),
    ):
        rows = np.flatnonzero(kind == k)
        children[rows] = 1 + categorical(rng, weights, len(rows))
    adult_children = (np.isin(kind, (COUPLE_KIDS, LONE_PARENT)) & (rng.random(n) < 0.45)).astype(np.int64)
    grandparents = np.where(kind == MULTIGEN, 1 + (rng.random(n) < 0.45), 0)
    sharers = np.where(kind == SHARERS, 1 + categorical(rng, [0.35, 0.35, 0.2, 0.1], n), 0)
    size = 1 + partner + children + adult_children + grandparents + sharers
    # Exact total: add or remove dependent children (or sharers) in random households.
    difference = n_residents - int(size.sum())
    while difference != 0:
        if difference > 0:
            candidates = np.flatnonzero(np.isin(kind, (COUPLE_KIDS, LONE_PARENT, MULTIGEN, SHARERS)))
        else:
            candidates = np.flatnonzero((children > 1) | (sharers > 1))
        if len(candidates) == 0:
            break
        picked = rng.choice(candidates, size=min(abs(difference), len(candidates)), replace=False)
        step = 1 if difference > 0 else -1
        is_sharers = kind[picked] == SHARERS
        if step > 0:
            np.add.at(sharers, picked[is_sharers], 1)
            np.add.at(children, picked[~is_sharers], 1)
        else:
            use_children = children[picked] > 1
            np.add.at(children, picked[use_children], -1)
            np.add.at(sharers, picked[~use_children], -1)
        size = 1 + partner + children + adult_children + grandparents + sharers
        difference = n_residents - int(size.sum())
    return pd.DataFrame(
        {
            "type": kind,
            "partner": partner,
            "children": children,
            "adult_children": adult_children,
            "grandparents": grandparents,
            "sharers": sharers,
            "size": size,
        }
    )


def _place_households(rng: np.random.Generator, households: pd.DataFrame, properties: pd.DataFrame) -> np.ndarray:
    """Property index of each household: bigger households tend to get bigger homes;
    vacant properties are a random few percent of the approved ones."""
    approved = np.flatnonzero(properties["status"].to_numpy() == 1)
    occupied = np.sort(rng.choice(approved, size=len(households), replace=False))
    property_key = properties["capacity"].to_numpy()[occupied] + rng.normal(0, 0.9, len(occupied))
    household_key = households["size"].to_numpy() + rng.normal(0, 0.9, len(households))
    addr = np.empty(len(households), dtype=np.int64)
    addr[np.argsort(household_key, kind="stable")] = occupied[np.argsort(property_key, kind="stable")]
    return addr


def _members(rng: np.random.Generator, households: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """One row per resident with role, age (in days), sex and household."""
    n = len(households)
    hh = np.arange(n)
    kind = households["type"].to_numpy()
    children = households["children"].to_numpy()
    adult_children = households["adult_children"].to_numpy()
    # Children first: their ages set the parents'.
    child_hh = np.repeat(hh, children)
    child_age = rng.integers(0, 18, len(child_hh)) * 365.25 + rng.random(len(child_hh)) * 365
    adult_child_hh = np.repeat(hh, adult_children)
    adult_child_age = rng.uniform(18, 31, len(adult_child_hh)) * 365.25
    oldest = np.full(n, -1.0)
    np.maximum.at(oldest, child_hh, child_age)
    np.maximum.at(oldest, adult_child_hh, adult_child_age)
    youngest = np.full(n, np.inf)
    np.minimum.at(youngest, child_hh, child_age)
    np.minimum.at(youngest, adult_child_hh, adult_child_age)
    # Parents are 18 to 55 years older than each of their children.
    parent_low, parent_high = oldest + 18 * 365.25, youngest + 55 * 365.25 - 1
    head_age = np.select(
        [
            kind == SINGLE,
            kind == COUPLE,
            kind == SHARERS,
        ],
        [
            np.where(
                rng.random(n) < 0.45,
                65 * 365.25 + rng.triangular(0, 0, 31, n) * 365.25,
                rng.triangular(20, 30, 65, n) * 365.25,
            ),
            np.where(
                rng.random(n) < 0.55,
                60 * 365.25 + rng.triangular(0, 4, 34, n) * 365.25,
                rng.triangular(21, 29, 60, n) * 365.25,
            ),
            rng.triangular(19, 25, 46, n) * 365.25,
        ],
        default=np.minimum(oldest + rng.uniform(20, 40, n) * 365.25, parent_high),
    )
    head_age = np.maximum(head_age, 18 * 365.25 + rng.random(n) * 365)
    head_male = np.select(
        [kind == SINGLE, kind == LONE_PARENT],
        [rng.random(n) < np.where(head_age >= 65 * 365.25, 0.38, 0.53), rng.random(n) < 0.12],
        default=rng.random(n) < 0.6,
    )
    # Partner: a similar age; of the other sex in 95% of couples.
    partner_hh = np.flatnonzero(households["partner"].to_numpy())
    partner_age = head_age[partner_hh] + rng.normal(0, 3.5, len(partner_hh)) * 365.25
    partner_age = np.clip(
        partner_age, np.maximum(18 * 365.25, parent_low[partner_hh]), np.maximum(18 * 365.25, parent_high[partner_hh])
    )
    partner_male = np.where(rng.random(len(partner_hh)) < 0.95, ~head_male[partner_hh], head_male[partner_hh])
    # Grandparents: the head's parents.
    gp_counts = households["grandparents"].to_numpy()
    grand_hh = np.repeat(hh, gp_counts)
    grand_rank = _rank_in_group(grand_hh)
    grand_age = np.minimum(head_age[grand_hh] + rng.uniform(21, 36, len(grand_hh)) * 365.25, 101 * 365.25)
    grand_male = np.where(gp_counts[grand_hh] == 2, grand_rank == 1, rng.random(len(grand_hh)) < 0.3)
    sharer_hh = np.repeat(hh, households["sharers"].to_numpy())
    sharer_age = rng.triangular(19, 25, 46, len(sharer_hh)) * 365.25
    frame = pd.DataFrame(
        {
            "hh": np.concatenate([hh, partner_hh, grand_hh, adult_child_hh, child_hh, sharer_hh]),
            "role": np.concatenate(
                [
                    np.full(n, HEAD),
                    np.full(len(partner_hh), PARTNER),
                    np.full(len(grand_hh), GRANDPARENT),
                    np.full(len(adult_child_hh), ADULT_CHILD),
                    np.full(len(child_hh), CHILD),
                    np.full(len(sharer_hh), SHARER),
                ]
            ),
            "age_days": np.concatenate([head_age, partner_age, grand_age, adult_child_age, child_age, sharer_age]),
            "male": np.concatenate(
                [
                    head_male,
                    partner_male,
                    grand_male,
                    rng.random(len(adult_child_hh)) < 0.51,
                    rng.random(len(child_hh)) < 0.51,
                    rng.random(len(sharer_hh)) < 0.5,
                ]
            ),
        }
    )
    frame = frame.sort_values(["hh", "role", "age_days"], ascending=[True, True, False], kind="stable").reset_index(
        drop=True
    )
    age = np.floor(frame["age_days"].to_numpy()).astype(np.int64)
    frame["dob"] = as_of - 1 - age
    frame["household_id"] = households["household_id"].to_numpy()[frame["hh"].to_numpy()]
    frame["addr"] = households["addr"].to_numpy()[frame["hh"].to_numpy()]
    frame["kind"] = RESIDENT
    return frame.drop(columns=["age_days"])


def _rank_in_group(groups: np.ndarray) -> np.ndarray:
    """1-based position within runs of equal values of a sorted array."""
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1] if len(groups) else np.empty(0, dtype=np.int64)
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    return np.arange(len(groups)) - run_start + 1


# --- ethnicity and names ----------------------------------------------------------------------


def lsoa_ethnic_shares(rng: np.random.Generator, geo: Geography, households_per_lsoa: np.ndarray) -> np.ndarray:
    """(lsoas, 19) ethnic group shares: ward tilts raked so the borough matches
    DRAW_SHARES, then per-LSOA Dirichlet variation."""
    target = DRAW_SHARES / DRAW_SHARES.sum()
    tilt = np.ones((len(WARDS), 19))
    for w, ward in enumerate(WARDS):
        for group, factor in WARD_TILTS.get(ward.name, {}).items():
            tilt[w, group - 1] = factor
    ward_of_lsoa = geo.lsoas["ward"].to_numpy()
    weights = households_per_lsoa / max(households_per_lsoa.sum(), 1)
    shares = tilt[ward_of_lsoa] * target
    for _ in range(20):
        shares /= shares.sum(axis=1, keepdims=True)
        borough = weights @ shares if weights.sum() > 0 else shares.mean(axis=0)
        shares *= target / borough
    shares /= shares.sum(axis=1, keepdims=True)
    return np.vstack([rng.dirichlet(200 * row + 0.05) for row in shares])


def _mixed_group(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Census group of a child of parents in groups a and b (different)."""
    asian = (a <= 5) | (b <= 5)
    african = (a == 6) | (b == 6)
    caribbean = (a == 7) | (b == 7)
    either_white = ((a >= 13) & (a <= 17)) | ((b >= 13) & (b <= 17))
    return np.select(
        [either_white & caribbean, either_white & african, either_white & asian],
        [11, 10, 9],
        default=12,
    )


def _ethnicity(rng: np.random.Generator, persons: pd.DataFrame, households: pd.DataFrame, geo: Geography) -> None:
    hh_lsoa = households["lsoa"].to_numpy()
    per_lsoa = np.bincount(hh_lsoa, minlength=len(geo.lsoas)).astype(float)
    shares = lsoa_ethnic_shares(rng, geo, per_lsoa)
    household_group = 1 + categorical_rows(rng, shares[hh_lsoa])
    hh = persons["hh"].to_numpy()
    role = persons["role"].to_numpy()
    own = 1 + categorical_rows(rng, shares[hh_lsoa[hh]])
    group = household_group[hh].copy()
    u = rng.random(len(persons))
    partner_rows = role == PARTNER
    group[partner_rows & (u >= 0.85)] = own[partner_rows & (u >= 0.85)]
    group[role == SHARER] = own[role == SHARER]
    # Children of parents from different groups: some take the partner's group, some a mixed one.
    partner_group = np.zeros(len(households), dtype=np.int64)
    partner_group[hh[partner_rows]] = group[partner_rows]
    child_rows = np.flatnonzero(np.isin(role, (CHILD, ADULT_CHILD)))
    other = partner_group[hh[child_rows]]
    head = household_group[hh[child_rows]]
    differs = (other > 0) & (other != head)
    v = rng.random(len(child_rows))
    group[child_rows[differs & (v < 0.35)]] = other[differs & (v < 0.35)]
    mixed = differs & (v >= 0.35)
    group[child_rows[mixed]] = _mixed_group(head[mixed], other[mixed])
    persons["group"] = group.astype(np.int64)


def _draw_names(
    rng: np.random.Generator, groups: np.ndarray, male: np.ndarray, names: NameBook
) -> dict[str, np.ndarray]:
    """Forename, two possible middle names and a surname for people of the given groups."""
    forename_pool = categorical_rows(rng, FORENAME_MIX[groups])
    surname_pool = categorical_rows(rng, SURNAME_MIX[groups])
    n = len(groups)
    middle_count = np.where(rng.random(n) < 0.42, 1, 0) + np.where(rng.random(n) < 0.1, 1, 0)
    middle1 = names.draw_forenames(rng, categorical_rows(rng, FORENAME_MIX[groups]), male)
    middle2 = names.draw_forenames(rng, categorical_rows(rng, FORENAME_MIX[groups]), male)
    forename = names.draw_forenames(rng, forename_pool, male)
    middle1 = np.where((middle_count >= 1) & (middle1 != forename), middle1, -1)
    middle2 = np.where((middle_count >= 2) & (middle1 >= 0) & (middle2 != forename) & (middle2 != middle1), middle2, -1)
    return {
        "forename": forename,
        "middle1": middle1,
        "middle2": middle2,
        "surname": names.draw_surnames(rng, surname_pool),
        "prev_surname": names.draw_surnames(rng, categorical_rows(rng, SURNAME_MIX[groups])),
    }


def _names(rng: np.random.Generator, persons: pd.DataFrame, names: NameBook) -> None:
    """Names; members mostly share the head's surname; a partner who took it keeps
    their birth surname as the earlier one."""
    drawn = _draw_names(rng, persons["group"].to_numpy(), persons["male"].to_numpy(), names)
    hh = persons["hh"].to_numpy()
    role = persons["role"].to_numpy()
    male = persons["male"].to_numpy()
    n_households = hh.max() + 1 if len(hh) else 0
    head_surname = np.zeros(n_households, dtype=np.int64)
    head_surname[hh[role == HEAD]] = drawn["surname"][role == HEAD]
    partner_surname = np.full(n_households, -1, dtype=np.int64)
    partner_surname[hh[role == PARTNER]] = drawn["surname"][role == PARTNER]
    surname = drawn["surname"].copy()
    prev = np.full(len(persons), -1, dtype=np.int64)
    u = rng.random(len(persons))
    took_name = (role == PARTNER) & ~male & (u < 0.72)
    surname[took_name] = head_surname[hh[took_name]]
    prev[took_name] = drawn["surname"][took_name]
    is_child = np.isin(role, (CHILD, ADULT_CHILD))
    from_head = is_child & (u < 0.88)
    surname[from_head] = head_surname[hh[from_head]]
    from_partner = is_child & (u >= 0.88) & (partner_surname[hh] >= 0)
    surname[from_partner] = partner_surname[hh[from_partner]]
    grand = (role == GRANDPARENT) & (u < 0.5)
    surname[grand] = head_surname[hh[grand]]
    changed = (prev < 0) & (role != CHILD) & (rng.random(len(persons)) < 0.02)
    prev[changed] = drawn["prev_surname"][changed]
    prev[prev == surname] = -1
    persons["forename"] = drawn["forename"]
    persons["middle1"] = drawn["middle1"]
    persons["middle2"] = drawn["middle2"]
    persons["surname"] = surname
    persons["prev_surname"] = prev


# --- moves and non-residents --------------------------------------------------------------------


class _MoveTargets:
    """Addresses people come from or live at outside the borough (created on demand)
    and random Barnet properties they lived at before."""

    def __init__(self, rng: np.random.Generator, properties: pd.DataFrame) -> None:
        self.rng = rng
        self.approved = np.flatnonzero(properties["status"].to_numpy() == 1)
        self.n_properties = len(properties)
        self.frame = pd.DataFrame(columns=["sao", "pao_number", "pao_text", "street", "town", "postcode"])

    def barnet(self, n: int) -> np.ndarray:
        return self.rng.choice(self.approved, size=n)

    def outside(self, n: int, districts: dict[str, str]) -> np.ndarray:
        """`n` new external addresses in `districts`; returns their address indices."""
        rng = self.rng
        names = list(districts)
        district = np.array(names, dtype=object)[rng.integers(0, len(names), n)]
        letters = np.array(list(INWARD_LETTERS), dtype=object)
        inward = (
            rng.integers(0, 10, n).astype(str).astype(object)
            + letters[rng.integers(0, 20, n)]
            + letters[rng.integers(0, 20, n)]
        )
        suffixes = np.array([s for s, _ in STREET_SUFFIXES], dtype=object)
        street = (
            np.array(STREET_STEMS, dtype=object)[rng.integers(0, len(STREET_STEMS), n)]
            + " "
            + suffixes[rng.integers(0, 6, n)]
        )
        flat = rng.random(n) < 0.3
        new = pd.DataFrame(
            {
                "sao": np.where(
                    flat, "Flat " + pd.Series(rng.integers(1, 30, n)).astype(str).to_numpy(dtype=object), ""
                ),
                "pao_number": rng.integers(1, 240, n),
                "pao_text": "",
                "street": street,
                "town": np.array([districts[d] for d in district], dtype=object),
                "postcode": district + " " + inward,
            }
        )
        start = self.n_properties + len(self.frame)
        self.frame = new if self.frame.empty else pd.concat([self.frame, new], ignore_index=True)
        return start + np.arange(n)


def _moves(
    rng: np.random.Generator,
    persons: pd.DataFrame,
    households: pd.DataFrame,
    targets: _MoveTargets,
    window_start: int,
    last_day: int,
) -> None:
    """About 8% of residents moved in the last three years, as whole households;
    they keep the previous address and the move date. 30% came from outside the borough."""
    n = len(households)
    type_weight = np.array([1.2, 0.8, 1.0, 1.4, 0.6, 3.0])[households["type"].to_numpy()]
    keys = rng.exponential(size=n) / type_weight
    order = np.argsort(keys, kind="stable")
    cumulative = np.cumsum(households["size"].to_numpy()[order])
    movers = order[: int(np.searchsorted(cumulative, 0.08 * len(persons))) + 1]
    move_date = np.full(n, NO_DATE, dtype=np.int64)
    move_date[movers] = rng.integers(window_start, last_day + 1, len(movers))
    previous = np.full(n, -1, dtype=np.int64)
    from_outside = rng.random(len(movers)) < 0.3
    previous[movers[~from_outside]] = targets.barnet(int((~from_outside).sum()))
    previous[movers[from_outside]] = targets.outside(int(from_outside.sum()), {**NEIGHBOUR_DISTRICTS, **FAR_DISTRICTS})
    same = previous == households["addr"].to_numpy()
    previous[same] = -1
    move_date[same] = NO_DATE
    households["move_date"] = move_date
    hh = persons["hh"].to_numpy()
    person_move = move_date[hh]
    born_after = person_move != NO_DATE
    born_after &= persons["dob"].to_numpy() >= person_move
    person_move[born_after] = NO_DATE
    persons["move_date"] = person_move
    persons["prev_addr"] = np.where(person_move != NO_DATE, previous[hh], -1)
    persons["left_date"] = NO_DATE


def _individuals(
    rng: np.random.Generator, n: int, ages: np.ndarray, kind: int, names: NameBook, as_of: int
) -> pd.DataFrame:
    """People outside the household structure (one-person records), borough-like ethnicity."""
    male = rng.random(n) < 0.5
    group = 1 + categorical(rng, ETHNIC_SHARES, n)
    drawn = _draw_names(rng, group, male, names)
    frame = pd.DataFrame(
        {
            "hh": -1,
            "role": np.where(ages >= 18 * 365.25, HEAD, CHILD),
            "male": male,
            "dob": as_of - 1 - np.floor(ages).astype(np.int64),
            "household_id": 0,
            "kind": kind,
            "group": group,
            **drawn,
        }
    )
    earlier = np.where(rng.random(n) < 0.03, frame["prev_surname"].to_numpy(), -1)
    frame["prev_surname"] = np.where(earlier == frame["surname"].to_numpy(), -1, earlier)
    frame["move_date"] = NO_DATE
    frame["prev_addr"] = -1
    return frame


def _ghosts(
    rng: np.random.Generator, names: NameBook, properties: pd.DataFrame, as_of: int, n_residents: int
) -> pd.DataFrame:
    """People who moved out of the borough but are still registered with a Barnet GP
    at their old Barnet address (about 3% of residents)."""
    n = round(0.03 * n_residents)
    ages = np.where(rng.random(n) < 0.1, rng.uniform(0, 18, n), rng.triangular(18, 30, 90, n)) * 365.25
    frame = _individuals(rng, n, ages, GHOST, names, as_of)
    approved = np.flatnonzero(properties["status"].to_numpy() == 1)
    frame["addr"] = rng.choice(approved, size=n)
    dob = frame["dob"].to_numpy()
    left = as_of - rng.integers(30, 6 * 365, n)
    frame["left_date"] = np.maximum(left, dob + 1)
    return frame


def _pupils_out(
    rng: np.random.Generator, config: BoroughConfig, names: NameBook, targets: _MoveTargets, as_of: int, n: int
) -> pd.DataFrame:
    """Children who attend Barnet schools but live in neighbouring boroughs, born in
    the cohorts of Reception to Year 13 of the school year in progress on `as_of`."""
    school_year = config.as_of.year if config.as_of.month >= 9 else config.as_of.year - 1
    nc_year = np.where(rng.random(n) < 0.15, rng.integers(12, 14, n), rng.integers(0, 12, n))  # 0 = Reception
    cohort_start = day_number(date(school_year - 5, 9, 1)) - np.round(nc_year * 365.25).astype(np.int64)
    dob = np.minimum(cohort_start + rng.integers(0, 365, n), as_of - 1)
    frame = _individuals(rng, n, (as_of - 1 - dob).astype(float), OUT_OF_BOROUGH_PUPIL, names, as_of)
    frame["addr"] = targets.outside(n, NEIGHBOUR_DISTRICTS)
    frame["left_date"] = NO_DATE
    return frame


# --- attributes and identifiers ---------------------------------------------------------------


def _choose(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([o for o, _ in options], dtype=object)
    return values[categorical(rng, [w for _, w in options], n)]


def _attributes(rng: np.random.Generator, persons: pd.DataFrame, as_of: int) -> None:
    """Title, disability, contact details and a stable uniform for school choice."""
    n = len(persons)
    age = (as_of - persons["dob"].to_numpy()) / 365.25
    male = persons["male"].to_numpy()
    role = persons["role"].to_numpy()
    adult = age >= 18
    partnered = np.isin(role, (PARTNER, GRANDPARENT))
    household = persons["household_id"].to_numpy()
    partnered |= (role == HEAD) & np.isin(household, household[role == PARTNER])
    title = np.full(n, "", dtype=object)
    title[adult & male] = "Mr"
    female_adult = adult & ~male
    title[female_adult & partnered] = _choose(rng, TITLES_FEMALE_PARTNERED, n)[female_adult & partnered]
    young = female_adult & ~partnered & (age < 30)
    title[young] = _choose(rng, TITLES_FEMALE_YOUNG, n)[young]
    other = female_adult & ~partnered & (age >= 30)
    title[other] = _choose(rng, TITLES_FEMALE_OTHER, n)[other]
    u = rng.random(n)
    title[adult & (age >= 30) & (u < 0.02)] = "Dr"
    title[adult & (u > 0.996)] = "Mx"
    persons["title"] = title
    persons["disabled"] = rng.random(n) < 0.045 + 0.6 * np.clip(age / 100, 0, 1) ** 2
    has_email = (age >= 16) & (rng.random(n) < 0.72)
    persons["email_style"] = np.where(has_email, rng.integers(0, 4, n), -1)
    persons["email_number"] = rng.integers(1, 99, n)
    persons["email_domain"] = rng.integers(0, len(EMAIL_DOMAINS), n)
    persons["mobile"] = np.where(
        (age >= 14) & (rng.random(n) < 0.85), 7_000_000_000 + rng.integers(100_000_000, 999_999_999, n), -1
    )
    persons["school_u"] = rng.random(n)


def nhs_check_digit(first_nine: np.ndarray) -> np.ndarray:
    """Modulus-11 check digit of 9-digit numbers (10 means the number is not issued)."""
    digits = (first_nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    remainder = (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
    return (11 - remainder) % 11


def _identifiers(rng: np.random.Generator, persons: pd.DataFrame, as_of: int) -> None:
    """Unique valid NHS numbers for everyone; NINOs from 16; UPNs for ages 2 to 19."""
    n = len(persons)
    persons["nhs"] = _nhs_numbers(rng, n)
    age = (as_of - persons["dob"].to_numpy()) / 365.25
    # None as the object array numpy makes of it (numpy's ArrayLike leaves out None on purpose)
    missing = np.array(None, dtype=object)
    persons["nino"] = np.where(age >= 16, _ninos(rng, n), missing)
    persons["upn"] = np.where((age >= 2) & (age < 20), _upns(rng, n), missing)


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.empty(0, dtype=np.int64)
    while len(out) < n:
        base = rng.integers(400_000_000, 800_000_000, size=int((n - len(out)) * 1.2) + 16)
        check = nhs_check_digit(base)
        numbers = (base * 10 + check)[check != 10]
        merged = np.concatenate([out, numbers])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:n]


def _ninos(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array([a + b for a in NINO_FIRST for b in NINO_SECOND if a + b not in NINO_EXCLUDED], dtype=object)
    serial = unique_draws(rng, 0, len(prefixes) * 1_000_000, n)
    suffix = np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, n)]
    digits = pd.Series(serial % 1_000_000).astype(str).str.zfill(6).to_numpy(dtype=object)
    return prefixes[serial // 1_000_000] + digits + suffix


def _upns(rng: np.random.Generator, n: int) -> np.ndarray:
    """UPN: check letter, LA number (3), school number (4), year of allocation (2), serial (3);
    the check letter is the weighted digit sum modulo 23. Distinct by construction."""
    code = unique_draws(rng, 0, 7000 * 18 * 1000, n)
    school = 1000 + code // (18 * 1000)
    year = 8 + (code // 1000) % 18
    body = BARNET_LA_NUMBER * 10**9 + school * 10**5 + year * 10**3 + code % 1000
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    check = (digits * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.array(list(UPN_CHECK_LETTERS), dtype=object)[check]
    return letters + pd.Series(body).astype(str).str.zfill(12).to_numpy(dtype=object)


def _gp_registration(rng: np.random.Generator, persons: pd.DataFrame, last_day: int, n_properties: int) -> None:
    """Date of registration with the current Barnet GP practice (NO_DATE if not registered).
    Everyone resident is registered; movers from outside registered after moving, most
    Barnet movers re-registered; ghosts registered before they left; pupils from
    outside the borough are registered elsewhere."""
    n = len(persons)
    dob = persons["dob"].to_numpy()
    kind = persons["kind"].to_numpy()
    move = persons["move_date"].to_numpy()
    left = persons["left_date"].to_numpy()
    settled = last_day - np.floor(rng.exponential(9 * 365.25, n)).astype(np.int64)
    registered = np.maximum(settled, dob + rng.integers(7, 60, n))
    moved = move != NO_DATE
    from_outside = persons["prev_addr"].to_numpy() >= n_properties
    reregistered = moved & (from_outside | (rng.random(n) < 0.7))
    registered = np.where(reregistered, move + rng.integers(0, 90, n), registered)
    ghost = kind == GHOST
    registered[ghost] = np.maximum(
        left[ghost] - np.floor(rng.exponential(6 * 365.25, int(ghost.sum()))).astype(np.int64), dob[ghost] + 7
    )
    registered = np.maximum(registered, dob)
    registered[registered > last_day] = NO_DATE
    registered[kind == OUT_OF_BOROUGH_PUPIL] = NO_DATE
    persons["gp_registered"] = registered


def _address_table(properties: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    barnet = pd.DataFrame(
        {
            "uprn": properties["uprn"].to_numpy(),
            "sao": properties["sao"].to_numpy(),
            "pao_number": properties["pao_number"].to_numpy(),
            "pao_text": properties["pao_text"].to_numpy(),
            "street": properties["street"].to_numpy(),
            "locality": properties["locality"].to_numpy(),
            "town": properties["town"].to_numpy(),
            "postcode": properties["postcode"].to_numpy(),
            "lsoa": properties["lsoa"].to_numpy(),
            "ward": properties["ward"].to_numpy(),
        }
    )
    outside = external.assign(uprn=0, locality="", lsoa=-1, ward=-1)[barnet.columns]
    table = pd.concat([barnet, outside], ignore_index=True)
    number = np.where(
        table["pao_number"].to_numpy() > 0, table["pao_number"].astype(str).to_numpy(dtype=object) + " ", ""
    )
    thoroughfare = number + table["street"].to_numpy(dtype=object)
    sao = table["sao"].to_numpy(dtype=object)
    pao_text = table["pao_text"].to_numpy(dtype=object)
    premises = np.where((sao != "") & (pao_text != ""), sao + " " + pao_text, sao + pao_text)
    table["premises"] = premises
    table["thoroughfare"] = thoroughfare
    table["line1"] = np.where(premises != "", premises + ", " + thoroughfare, thoroughfare)
    locality = table["locality"].to_numpy(dtype=object)
    with_locality = np.where(
        locality != "", table["line1"].to_numpy(dtype=object) + ", " + locality, table["line1"].to_numpy(dtype=object)
    )
    table["one_line"] = with_locality + ", " + table["town"].to_numpy(dtype=object)
    return table
