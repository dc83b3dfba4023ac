"""The borough's geography: wards, LSOAs, output areas, postcodes, streets,
deprivation, schools and GP practices (the same at every scale), and the
gazetteer of properties (which scales with the population).

Shaped like Barnet: the 24 wards in force since May 2022, 211 LSOAs, about
8,000 live postcodes in Barnet's real postcode districts. GSS codes carry the
prefix X instead of E so they can never be mistaken for real areas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insight_hub.borough.streams import categorical, categorical_rows, stream, unique_draws

LAD_CODE = "X09000001"
LAD_NAME = "Barnet"
COUNTRY_CODE = "X92000001"
REGION_CODE = "X12000007"
NATIONAL_LSOAS = 33_755
LIVE_POSTCODES = 8_000
TERMINATED_POSTCODES = 240
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Ward:
    name: str
    lsoas: int
    deprivation: float  # 0 least .. 1 most deprived (drives the LSOAs' national IMD percentile)
    easting: int
    northing: int
    districts: tuple[tuple[str, float], ...]
    locality: str


WARDS: tuple[Ward, ...] = (
    Ward("Barnet Vale", 9, 0.35, 525900, 196100, (("EN5", 0.6), ("EN4", 0.4)), "New Barnet"),
    Ward("Brunswick Park", 9, 0.45, 528600, 193400, (("N11", 0.5), ("N14", 0.5)), "Brunswick Park"),
    Ward("Burnt Oak", 9, 0.85, 520300, 191300, (("HA8", 1.0),), "Burnt Oak"),
    Ward("Childs Hill", 9, 0.45, 524600, 186900, (("NW2", 0.6), ("NW11", 0.4)), "Childs Hill"),
    Ward("Colindale North", 9, 0.72, 521100, 190800, (("NW9", 1.0),), "Colindale"),
    Ward("Colindale South", 9, 0.75, 521500, 189700, (("NW9", 1.0),), "Colindale"),
    Ward("Cricklewood", 8, 0.55, 523700, 186300, (("NW2", 1.0),), "Cricklewood"),
    Ward("East Barnet", 9, 0.45, 527600, 195100, (("EN4", 1.0),), "East Barnet"),
    Ward("East Finchley", 9, 0.40, 526900, 189600, (("N2", 1.0),), "East Finchley"),
    Ward("Edgware", 9, 0.60, 519500, 191900, (("HA8", 1.0),), "Edgware"),
    Ward("Edgwarebury", 8, 0.35, 519700, 193600, (("HA8", 0.7), ("NW7", 0.3)), "Edgwarebury"),
    Ward("Finchley Church End", 9, 0.30, 524600, 190500, (("N3", 1.0),), "Finchley"),
    Ward("Friern Barnet", 8, 0.45, 528400, 192100, (("N11", 1.0),), "Friern Barnet"),
    Ward("Garden Suburb", 9, 0.10, 525600, 188400, (("NW11", 0.7), ("N2", 0.3)), "Hampstead Garden Suburb"),
    Ward("Golders Green", 9, 0.45, 524700, 187800, (("NW11", 1.0),), "Golders Green"),
    Ward("Hendon", 9, 0.55, 523300, 189100, (("NW4", 1.0),), "Hendon"),
    Ward("High Barnet", 9, 0.20, 524400, 196600, (("EN5", 1.0),), "High Barnet"),
    Ward("Mill Hill", 10, 0.25, 522400, 192600, (("NW7", 1.0),), "Mill Hill"),
    Ward("Totteridge and Woodside", 8, 0.15, 524700, 193900, (("N20", 1.0),), "Totteridge"),
    Ward("Underhill", 9, 0.60, 524800, 195400, (("EN5", 1.0),), "Underhill"),
    Ward("West Finchley", 8, 0.35, 525300, 191300, (("N3", 0.5), ("N12", 0.5)), "West Finchley"),
    Ward("West Hendon", 9, 0.72, 521900, 188500, (("NW9", 1.0),), "West Hendon"),
    Ward("Whetstone", 8, 0.30, 526300, 193700, (("N20", 1.0),), "Whetstone"),
    Ward("Woodhouse", 9, 0.50, 526700, 191600, (("N12", 1.0),), "North Finchley"),
)
assert sum(w.lsoas for w in WARDS) == 211

#: Sectors (first inward digit) used in each of Barnet's postcode districts.
DISTRICT_SECTORS: dict[str, tuple[int, ...]] = {
    "HA8": (0, 5, 6, 7, 8, 9),
    "NW7": (1, 2, 3, 4),
    "NW9": (0, 4, 5, 6, 7),
    "NW4": (1, 2, 3, 4),
    "NW11": (0, 6, 7, 8, 9),
    "N2": (0, 8, 9),
    "NW2": (1, 2, 6, 7),
    "N3": (1, 2, 3),
    "N12": (0, 7, 8, 9),
    "N20": (0, 8, 9),
    "EN5": (1, 2, 3, 4, 5),
    "EN4": (0, 8, 9),
    "N11": (1, 2, 3),
    "N14": (4, 5, 6, 7),
}
POST_TOWNS = {"HA8": "Edgware", "EN4": "Barnet", "EN5": "Barnet"}  # every other district: London

#: Real districts outside the borough (absent from the postcode directory): neighbours for
#: out-of-borough pupils, plus farther ones for people who moved in from elsewhere.
NEIGHBOUR_DISTRICTS: dict[str, str] = {
    "HA3": "Harrow",
    "HA7": "Stanmore",
    "HA5": "Pinner",
    "N13": "London",
    "N17": "London",
    "N18": "London",
    "N9": "London",
    "NW10": "London",
    "NW6": "London",
    "EN2": "Enfield",
    "EN1": "Enfield",
    "N22": "London",
    "N10": "London",
    "N6": "London",
    "NW8": "London",
}
FAR_DISTRICTS: dict[str, str] = {
    "M14": "Manchester",
    "B15": "Birmingham",
    "LS6": "Leeds",
    "BS6": "Bristol",
    "CB1": "Cambridge",
    "E17": "London",
    "SE15": "London",
    "SW9": "London",
    "W12": "London",
    "AL1": "St Albans",
    "WD6": "Borehamwood",
    "WD23": "Bushey",
    "EN6": "Potters Bar",
}

STREET_STEMS = (
    "Acacia Alder Ash Aspen Beech Birch Cedar Chestnut Elm Hawthorn Hazel Holly Juniper Larch Laurel Lime Maple"
    " Oak Poplar Rowan Sycamore Willow Yew Hornbeam Blackthorn Bramble Heather Lavender Primrose Bluebell Foxglove"
    " Clover Meadow Orchard Brook Mill Church Chapel Station Manor Grange Priory Abbey Kings Queens Princes Regent"
    " Victoria Albert Windsor Hampden Cromwell Nelson Wellington Marlborough Devonshire Bedford Cavendish Grosvenor"
    " Belmont Fairfield Highfield Westfield Northfield Southfield Greenfield Longfield Broadfield Hillside Woodside"
    " Brookside Parkside Lakeside Riverside Ridgeway Hillcrest Fairview Bellevue Mayfield Springfield Oakfield"
    " Ashfield Elmfield Beechwood Oakwood Ashwood Elmwood Greenwood Wildwood Oakhurst Ashurst Lyndhurst Pinehurst"
    " Redhill Sunnyside Rosemount Glenwood Claremont Clarendon Salisbury Stanhope Lancaster York Cambridge Oxford"
    " Chester Durham Exeter Gloucester Hereford Lincoln Norfolk Suffolk Somerset Dorset Cornwall Devon Kent Surrey"
    " Sussex Essex Warwick Stafford Rutland Thornton Ashley Bradley Hartley Stanley Wesley Percy Montague Spencer"
    " Seymour Lytton Addison Milton Tennyson Wordsworth Byron Shelley Keats Chaucer Dickens Austen Hardy Kipling"
    " Elgar Handel Purcell Darwin Newton Faraday Telford Brunel Stephenson Nightingale Lister Fleming Jenner"
    " Gladstone Disraeli Peel Canning Palmerston Tudor Stuart Hanover Saxon Falcon Kestrel Heron Swallow Lark Wren"
    " Robin Finch Linnet Plover Swan Kingfisher Osprey Merlin Brontë"
).split()
STREET_SUFFIXES = (
    ("Road", 5.0),
    ("Avenue", 3.0),
    ("Close", 2.5),
    ("Gardens", 2.0),
    ("Way", 1.5),
    ("Drive", 1.5),
    ("Lane", 1.2),
    ("Crescent", 1.0),
    ("Grove", 1.0),
    ("Street", 0.8),
    ("Rise", 0.5),
    ("Walk", 0.5),
    ("Place", 0.5),
    ("Hill", 0.4),
    ("Park", 0.4),
    ("Mews", 0.4),
    ("View", 0.3),
    ("Terrace", 0.3),
    ("Square", 0.2),
)
BUILDING_SUFFIXES = ("House", "Court", "Lodge", "Mansions", "Point", "Heights")
SAINTS = (
    "Mary",
    "John",
    "Joseph",
    "Michael",
    "Paul",
    "Andrew",
    "Catherine",
    "Agnes",
    "Theresa",
    "Vincent",
    "James",
    "Margaret",
    "Matthew",
    "Anne",
    "Peter",
    "Luke",
)

#: Property classifications (AddressBase) and their bedrooms-ish capacity for matching households.
CLASSIFICATIONS = ("RD02", "RD03", "RD04", "RD06", "RH02")
CAPACITY = np.array([5.0, 4.0, 3.2, 1.6, 3.0])


@dataclass(frozen=True)
class Geography:
    """Areas as DataFrames indexed 0..n-1; other tables refer to them by position."""

    wards: pd.DataFrame  # code, name, locality, deprivation
    lsoas: pd.DataFrame  # code, name, msoa_code, msoa_name, ward, dep, imd_* and domain scores
    oas: pd.DataFrame  # code, lsoa
    postcodes: pd.DataFrame  # pcds, district, oa, lsoa, ward, live, dointr, doterm, usertype, easting, northing, lat, long, street, weight, segment
    streets: pd.DataFrame  # usrn, name, ward
    schools: pd.DataFrame  # urn, name, ward, phase ('primary'|'secondary')
    practices: pd.DataFrame  # code, ward


def build_geography(seed: int) -> Geography:
    """Everything that stays the same whatever the scale."""
    rng = stream(seed, "geography")
    wards = pd.DataFrame(
        {
            "code": [f"X05{1001 + i:06d}" for i in range(len(WARDS))],
            "name": [w.name for w in WARDS],
            "locality": [w.locality for w in WARDS],
            "deprivation": [w.deprivation for w in WARDS],
        }
    )
    lsoas = _lsoas(rng)
    oas = _output_areas(rng, lsoas)
    postcodes, streets = _postcodes(rng, lsoas, oas)
    return Geography(wards, lsoas, oas, postcodes, streets, _schools(rng), _practices())


def _lsoas(rng: np.random.Generator) -> pd.DataFrame:
    ward = np.repeat(np.arange(len(WARDS)), [w.lsoas for w in WARDS])
    n = len(ward)
    easting = np.array([WARDS[w].easting for w in ward]) + rng.normal(0, 450, n)
    northing = np.array([WARDS[w].northing for w in ward]) + rng.normal(0, 450, n)
    # Two MSOAs per ward (4-5 LSOAs each), split west/east; numbered north to south like ONS.
    rank_in_ward = pd.Series(easting).groupby(ward).rank(method="first").to_numpy() - 1
    half = np.array([(WARDS[w].lsoas + 1) // 2 for w in ward])
    msoa = ward * 2 + (rank_in_ward >= half)
    msoa_ids = np.unique(msoa)
    mean_north = np.array([northing[msoa == m].mean() for m in msoa_ids])
    msoa_order = msoa_ids[np.argsort(-mean_north, kind="stable")]
    msoa_number = np.empty(msoa_ids.max() + 1, dtype=np.int64)
    msoa_number[msoa_order] = np.arange(1, len(msoa_order) + 1)
    number = msoa_number[msoa]
    letter_rank = pd.Series(-northing).groupby(number).rank(method="first").to_numpy().astype(int) - 1
    letters = np.array(list("ABCDEFGHIJ"))[letter_rank]
    frame = pd.DataFrame(
        {
            "msoa_code": [f"X02{6000 + k:06d}" for k in number],
            "msoa_name": [f"{LAD_NAME} {k:03d}" for k in number],
            "name": [f"{LAD_NAME} {k:03d}{c}" for k, c in zip(number, letters, strict=True)],
            "ward": ward,
            "easting": easting,
            "northing": northing,
        }
    )
    frame = frame.sort_values("name", kind="stable").reset_index(drop=True)
    frame.insert(0, "code", [f"X01{33001 + i:06d}" for i in range(n)])
    # National deprivation percentile (1 = most deprived): ward level plus LSOA noise.
    ward_dep = np.array([WARDS[w].deprivation for w in frame["ward"]])
    dep = np.clip(0.05 + 0.8 * ward_dep + rng.normal(0, 0.09, n), 0.02, 0.97)
    frame["dep"] = dep
    frame["imd_rank"] = _distinct_ranks(dep)
    frame["imd_score"] = np.round(2.5 + 75 * dep**2.3, 3)
    for domain, scale_, power, noise in (
        ("income", 0.40, 1.7, 0.06),
        ("employment", 0.30, 1.6, 0.07),
        ("idaci", 0.50, 1.5, 0.07),
        ("idaopi", 0.55, 1.5, 0.08),
    ):
        domain_dep = np.clip(dep + rng.normal(0, noise, n), 0.01, 0.99)
        frame[f"{domain}_rank"] = _distinct_ranks(domain_dep)
        frame[f"{domain}_score"] = np.round(0.01 + scale_ * domain_dep**power, 3)
    return frame


def _distinct_ranks(dep: np.ndarray) -> np.ndarray:
    """National ranks (1 = most deprived of 33,755) from percentiles, all different."""
    ranks = np.clip(np.round((1 - dep) * NATIONAL_LSOAS).astype(np.int64), 1, NATIONAL_LSOAS)
    order = np.argsort(ranks, kind="stable")
    sorted_ranks = ranks[order]
    for i in range(1, len(sorted_ranks)):  # 211 values: nudge ties apart
        if sorted_ranks[i] <= sorted_ranks[i - 1]:
            sorted_ranks[i] = sorted_ranks[i - 1] + 1
    ranks[order] = np.minimum(sorted_ranks, NATIONAL_LSOAS)
    return ranks


def decile(rank: np.ndarray) -> np.ndarray:
    """National decile of a rank (1 = most deprived 10%)."""
    return np.minimum((np.asarray(rank) - 1) * 10 // NATIONAL_LSOAS + 1, 10)


def _output_areas(rng: np.random.Generator, lsoas: pd.DataFrame) -> pd.DataFrame:
    per_lsoa = rng.integers(4, 7, len(lsoas))
    lsoa = np.repeat(np.arange(len(lsoas)), per_lsoa)
    n = len(lsoa)
    return pd.DataFrame(
        {
            "code": [f"X00{120001 + i:06d}" for i in range(n)],
            "lsoa": lsoa,
            "easting": lsoas["easting"].to_numpy()[lsoa] + rng.normal(0, 160, n),
            "northing": lsoas["northing"].to_numpy()[lsoa] + rng.normal(0, 160, n),
        }
    )


def _postcodes(rng: np.random.Generator, lsoas: pd.DataFrame, oas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_total = LIVE_POSTCODES + TERMINATED_POSTCODES
    size = rng.gamma(3.0, 1.0, len(oas))
    counts = 1 + rng.multinomial(n_total - len(oas), size / size.sum())
    oa = np.repeat(np.arange(len(oas)), counts)
    lsoa = oas["lsoa"].to_numpy()[oa]
    ward = lsoas["ward"].to_numpy()[lsoa]
    # District per LSOA from its ward's districts; sector per LSOA, a few postcodes elsewhere in the district.
    lsoa_district = np.array(
        [WARDS[w].districts[categorical(rng, [p for _, p in WARDS[w].districts], 1)[0]][0] for w in lsoas["ward"]]
    )
    district = lsoa_district[lsoa]
    sector_choice = rng.random(len(lsoas))
    lsoa_sector = np.array(
        [
            DISTRICT_SECTORS[d][int(u * len(DISTRICT_SECTORS[d]))]
            for d, u in zip(lsoa_district, sector_choice, strict=True)
        ]
    )
    sector = lsoa_sector[lsoa].copy()
    moved = rng.random(len(oa)) < 0.2
    for d, sectors in DISTRICT_SECTORS.items():
        rows = np.flatnonzero(moved & (district == d))
        sector[rows] = np.asarray(sectors)[rng.integers(0, len(sectors), len(rows))]
    # Distinct unit letters within each sector.
    unit = np.empty(len(oa), dtype=np.int64)
    sector_key = pd.Series(district).str.cat(sector.astype(str), sep=" ").to_numpy()
    for key in np.unique(sector_key):
        rows = np.flatnonzero(sector_key == key)
        unit[rows] = rng.permutation(len(INWARD_LETTERS) ** 2)[: len(rows)]
    letters = np.array(list(INWARD_LETTERS))
    inward = sector.astype(str) + letters[unit // len(INWARD_LETTERS)] + letters[unit % len(INWARD_LETTERS)]
    pcds = np.char.add(np.char.add(district.astype(str), " "), inward.astype(str))
    easting = oas["easting"].to_numpy()[oa] + rng.normal(0, 70, len(oa))
    northing = oas["northing"].to_numpy()[oa] + rng.normal(0, 70, len(oa))
    live = np.ones(len(oa), dtype=bool)
    live[rng.choice(len(oa), TERMINATED_POSTCODES, replace=False)] = False
    introduced_year = np.where(rng.random(len(oa)) < 0.8, 1980, rng.integers(1985, 2024, len(oa)))
    introduced = np.where(introduced_year == 1980, 198001, introduced_year * 100 + rng.integers(1, 13, len(oa)))
    terminated_year = np.maximum(introduced_year + 1, rng.integers(2000, 2026, len(oa)))
    terminated = np.where(live, 0, terminated_year * 100 + rng.integers(1, 13, len(oa)))
    frame = pd.DataFrame(
        {
            "pcds": pcds.astype(object),
            "district": district.astype(object),
            "oa": oa,
            "lsoa": lsoa,
            "ward": ward,
            "live": live,
            "dointr": introduced,
            "doterm": terminated,
            "usertype": (rng.random(len(oa)) < 0.005).astype(np.int64),
            "easting": np.round(easting).astype(np.int64),
            "northing": np.round(northing).astype(np.int64),
            # Postcodes differ in how many properties they hold.
            "weight": np.where(live, rng.gamma(2.0, 0.5, len(oa)), 0.0),
        }
    )
    frame["lat"], frame["long"] = osgb_to_wgs84(frame["easting"].to_numpy(), frame["northing"].to_numpy())
    frame = frame.sort_values("pcds", kind="stable").reset_index(drop=True)
    frame["segment"] = _segments(rng, lsoas["dep"].to_numpy()[frame["lsoa"].to_numpy()])
    streets = _streets(rng, frame)
    return frame, streets


def osgb_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude near north London (a local linear approximation, ~10 m)."""
    lat = 51.507300 + (northing - 180000) / 111_250
    long = -0.127600 + (easting - 530000) / 69_300
    return np.round(lat, 6), np.round(long, 6)


def _streets(rng: np.random.Generator, postcodes: pd.DataFrame) -> pd.DataFrame:
    """Runs of 2-5 neighbouring postcodes of one LSOA form a street; names are unique."""
    order = np.lexsort((postcodes["northing"].to_numpy(), postcodes["lsoa"].to_numpy()))
    lsoa_sorted = postcodes["lsoa"].to_numpy()[order]
    run_length = rng.integers(2, 6, len(order))
    street_of_sorted = np.empty(len(order), dtype=np.int64)
    street, position, current = -1, 0, -1
    for i in range(len(order)):  # 8,240 postcodes: cut runs at LSOA boundaries
        if lsoa_sorted[i] != current or position >= run_length[street]:
            street, position, current = street + 1, 0, lsoa_sorted[i]
        street_of_sorted[i] = street
        position += 1
    street_of = np.empty(len(order), dtype=np.int64)
    street_of[order] = street_of_sorted
    postcodes["street"] = street_of
    n_streets = street + 1
    suffix_weights = np.array([w for _, w in STREET_SUFFIXES])
    combos = [(s, k) for s in range(len(STREET_STEMS)) for k in range(len(STREET_SUFFIXES))]
    combo_weights = np.array([suffix_weights[k] for _, k in combos])
    picked = rng.choice(len(combos), size=n_streets, replace=False, p=combo_weights / combo_weights.sum())
    names = [f"{STREET_STEMS[combos[c][0]]} {STREET_SUFFIXES[combos[c][1]][0]}" for c in picked]
    first_postcode = pd.Series(np.arange(len(street_of))).groupby(street_of).first().to_numpy()
    return pd.DataFrame(
        {
            "usrn": 29_300_001 + np.arange(n_streets) * 3,
            "name": names,
            "ward": postcodes["ward"].to_numpy()[first_postcode],
        }
    )


SEGMENT_GROUPS = (
    (
        "A",
        "Established Affluence",
        ("Leafy Executive Enclaves", "Prosperous Empty Nesters", "Garden Suburb Professionals"),
    ),
    ("B", "Comfortable Suburbia", ("Settled Semi Families", "Mature Homeowners", "Commuter Couples")),
    ("C", "Urban Professionals", ("City Sharers", "Young Flat Owners", "Diverse Graduates")),
    ("D", "Family Foundations", ("Busy Young Families", "Multigenerational Homes", "Mortgaged Terraces")),
    ("E", "Senior Communities", ("Retired Neighbours", "Sheltered Seniors", "Pensioner Estates")),
    ("F", "Stretched Households", ("Private Rent Strugglers", "Social Housing Estates", "Hard-Pressed Singles")),
)
SEGMENT_VENDOR_LICENCE = "Licensed to the London Borough of Barnet; not for onward disclosure"
_GROUP_CENTRES = np.array([0.12, 0.32, 0.45, 0.55, 0.45, 0.80])  # deprivation each group is typical of


def _segments(rng: np.random.Generator, dep: np.ndarray) -> np.ndarray:
    """Segment index (group * 3 + segment) per postcode, correlated with deprivation."""
    score = np.clip(dep + rng.normal(0, 0.12, len(dep)), 0, 1)
    weights = np.exp(-(((score[:, None] - _GROUP_CENTRES[None, :]) / 0.14) ** 2)) + 0.02
    group = categorical_rows(rng, weights)
    return group * 3 + rng.integers(0, 3, len(dep))


def _schools(rng: np.random.Generator) -> pd.DataFrame:
    """Four primary schools and one secondary school per ward, with invented names."""
    stems = rng.choice(len(STREET_STEMS), size=len(WARDS) * 5, replace=False)
    rows = []
    for w, ward in enumerate(WARDS):
        ward_stems = [STREET_STEMS[s] for s in stems[w * 5 : w * 5 + 5]]
        saint = SAINTS[w % len(SAINTS)]
        church = "CofE" if w % 2 else "RC"
        rows += [
            (f"{ward_stems[0]} Primary School", w, "primary"),
            (f"St {saint}'s {church} Primary School", w, "primary"),
            (f"{ward_stems[1]} Park Primary School", w, "primary"),
            (f"{ward_stems[2]} Infant and Junior School", w, "primary"),
            (f"{ward.locality} Academy" if w % 3 == 0 else f"{ward_stems[3]} High School", w, "secondary"),
        ]
    urns = 900_000 + unique_draws(rng, 1_000, 99_999, len(rows))
    return pd.DataFrame(
        {"urn": urns, "name": [r[0] for r in rows], "ward": [r[1] for r in rows], "phase": [r[2] for r in rows]}
    )


def _practices() -> pd.DataFrame:
    """60 GP practices, X83001..X83060, two or three per ward."""
    return pd.DataFrame({"code": [f"X83{i:03d}" for i in range(1, 61)], "ward": np.arange(60) % len(WARDS)})


def build_properties(geo: Geography, n_households: int, rng: np.random.Generator) -> pd.DataFrame:
    """The gazetteer: slightly more residential properties than households, plus a
    few provisional (new build) and historical (demolished) ones. Columns follow
    the LLPG extract; `occupiable` marks approved properties."""
    n_approved = max(n_households + 1, round(n_households * 1.04))
    n_other = round(n_approved * 0.004)
    status = np.r_[np.ones(n_approved, dtype=np.int64), np.full(n_other, 6), np.full(n_other, 8)]
    n = len(status)
    postcodes = geo.postcodes
    postcode = categorical(rng, postcodes["weight"].to_numpy(), n)
    ward = postcodes["ward"].to_numpy()[postcode]
    dep = geo.wards["deprivation"].to_numpy()
    # Rows: RD02 detached, RD03 semi, RD04 terraced, RD06 flat, RH02 HMO, by ward deprivation.
    class_weights = np.stack(
        [0.14 * (1 - dep), 0.30 * (1 - 0.5 * dep), np.full_like(dep, 0.16), 0.25 + 0.28 * dep, 0.012 + 0.03 * dep],
        axis=1,
    )
    classification = categorical_rows(rng, class_weights[ward])
    is_flat = classification == 3
    street = postcodes["street"].to_numpy()[postcode]
    order = np.lexsort((rng.random(n), is_flat, postcode, street))
    postcode, classification, is_flat, street, status = (
        a[order] for a in (postcode, classification, is_flat, street, status)
    )
    frame = pd.DataFrame({"postcode": postcode, "street": street, "flat": is_flat, "house": ~is_flat})
    house_rank = frame.groupby(["postcode", "flat"]).cumcount().to_numpy()
    per_postcode = frame.groupby("postcode").agg(
        street=("street", "first"), houses=("house", "sum"), flats=("flat", "sum")
    )
    purpose_built = rng.random(len(per_postcode)) < 0.6
    per_postcode["purpose_built"] = purpose_built
    per_postcode["slots"] = per_postcode["houses"] + np.where(purpose_built, 0, (per_postcode["flats"] + 1) // 2)
    per_postcode["buildings"] = np.where(purpose_built, (per_postcode["flats"] + 11) // 12, 0)
    grouped = per_postcode.groupby("street")
    per_postcode["number_offset"] = grouped["slots"].cumsum() - per_postcode["slots"]
    per_postcode["building_offset"] = grouped["buildings"].cumsum() - per_postcode["buildings"]
    info = per_postcode.reindex(postcode)
    offset = info["number_offset"].to_numpy()
    houses = info["houses"].to_numpy()
    built = info["purpose_built"].to_numpy()
    flat_rank = np.where(is_flat, house_rank, 0)
    number = np.where(~is_flat, offset + house_rank + 1, np.where(built, 0, offset + houses + flat_rank // 2 + 1))
    sao = np.where(
        is_flat,
        np.where(
            built,
            np.char.add("Flat ", (flat_rank % 12 + 1).astype(str)),
            np.char.add("Flat ", np.where(flat_rank % 2 == 0, "A", "B")),
        ),
        "",
    ).astype(object)
    stems = np.array(STREET_STEMS, dtype=object)
    building_index = info["building_offset"].to_numpy() + flat_rank // 12 + street * 7
    building_name = (
        stems[(building_index * 5) % len(stems)]
        + " "
        + np.array(BUILDING_SUFFIXES, dtype=object)[building_index % len(BUILDING_SUFFIXES)]
    )
    pao_text = np.where(is_flat & built, building_name, "").astype(object)
    district = postcodes["district"].to_numpy()[postcode]
    locality = geo.wards["locality"].to_numpy()[postcodes["ward"].to_numpy()[postcode]]
    town = pd.Series(district).map(lambda d: POST_TOWNS.get(d, "London")).to_numpy(dtype=object)
    locality = np.where(locality == town, "", locality)  # "Edgware, Edgware" is written once
    uprn = 990_010_000_000 + np.cumsum(rng.integers(1, 40, n))
    return pd.DataFrame(
        {
            "uprn": uprn,
            "usrn": geo.streets["usrn"].to_numpy()[street],
            "sao": sao,
            "pao_number": number,
            "pao_text": pao_text,
            "street": geo.streets["name"].to_numpy()[street],
            "locality": locality,
            "town": town,
            "postcode": postcodes["pcds"].to_numpy()[postcode],
            "classification": np.array(CLASSIFICATIONS, dtype=object)[classification],
            "capacity": CAPACITY[classification],
            "status": status,
            "x": postcodes["easting"].to_numpy()[postcode] + rng.integers(-30, 31, n),
            "y": postcodes["northing"].to_numpy()[postcode] + rng.integers(-30, 31, n),
            "postcode_index": postcode,
            "lsoa": postcodes["lsoa"].to_numpy()[postcode],
            "ward": postcodes["ward"].to_numpy()[postcode],
        }
    )
