"""Code lists the generator shares with the warehouse (read from seeds/reference).

* `forename_nicknames.csv`: nickname -> formal forename; the nickname fault
  replaces a formal forename by one of its nicknames.
* `ethnicity_codes.csv`: every ethnicity code the extracts write, in five
  systems, mapped to the census 2021 group. Each person's code in a system is
  picked from their census group through this file.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED_DIR = Path(__file__).resolve().parents[2] / "seeds" / "reference"

#: Census 2021 ethnic group labels (ONS "Ethnic group (20 categories)").
CENSUS_GROUP_LABELS: Mapping[int, str] = {
    1: "Asian, Asian British or Asian Welsh: Bangladeshi",
    2: "Asian, Asian British or Asian Welsh: Chinese",
    3: "Asian, Asian British or Asian Welsh: Indian",
    4: "Asian, Asian British or Asian Welsh: Pakistani",
    5: "Asian, Asian British or Asian Welsh: Other Asian",
    6: "Black, Black British, Black Welsh, Caribbean or African: African",
    7: "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    8: "Black, Black British, Black Welsh, Caribbean or African: Other Black",
    9: "Mixed or Multiple ethnic groups: White and Asian",
    10: "Mixed or Multiple ethnic groups: White and Black African",
    11: "Mixed or Multiple ethnic groups: White and Black Caribbean",
    12: "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
    13: "White: English, Welsh, Scottish, Northern Irish or British",
    14: "White: Irish",
    15: "White: Gypsy or Irish Traveller",
    16: "White: Roma",
    17: "White: Other White",
    18: "Other ethnic group: Arab",
    19: "Other ethnic group: Any other ethnic group",
}

#: High-level group of each census category, and the "any other" category of each group.
HIGH_LEVEL_GROUP: Mapping[int, str] = {
    **{c: "Asian" for c in (1, 2, 3, 4, 5)},
    **{c: "Black" for c in (6, 7, 8)},
    **{c: "Mixed" for c in (9, 10, 11, 12)},
    **{c: "White" for c in (13, 14, 15, 16, 17)},
    18: "Other",
    19: "Other",
}
OTHER_IN_GROUP: Mapping[str, int] = {"Asian": 5, "Black": 8, "Mixed": 12, "White": 17, "Other": 19}

#: Police identity codes are officer-perceived and coarse: census group -> (code, weight).
#: Mixed heritage is recorded by appearance; south European for some Other White.
POLICE_CODES: Mapping[int, tuple[tuple[str, float], ...]] = {
    1: (("IC4", 1.0),),
    2: (("IC5", 1.0),),
    3: (("IC4", 1.0),),
    4: (("IC4", 1.0),),
    5: (("IC4", 0.7), ("IC5", 0.3)),
    6: (("IC3", 1.0),),
    7: (("IC3", 1.0),),
    8: (("IC3", 1.0),),
    9: (("IC4", 0.5), ("IC1", 0.5)),
    10: (("IC3", 1.0),),
    11: (("IC3", 1.0),),
    12: (("IC1", 0.6), ("IC6", 0.4)),
    13: (("IC1", 1.0),),
    14: (("IC1", 1.0),),
    15: (("IC1", 1.0),),
    16: (("IC2", 1.0),),
    17: (("IC1", 0.55), ("IC2", 0.45)),
    18: (("IC6", 1.0),),
    19: (("IC6", 0.6), ("IC2", 0.2), ("IC4", 0.2)),
}

#: Share of records whose ethnicity is written as not known / refused, per system.
NOT_KNOWN_SHARES: Mapping[str, Mapping[str, float]] = {
    "la_text": {"Prefer not to say": 0.02, "Not known": 0.02},
    "census_2021": {"": 0.03},
    "nhs_ethnic_category": {"Z": 0.05},
    "dfe": {"REFU": 0.015, "NOBT": 0.01},
    "police_ic": {"IC0": 0.04},
}


@dataclass(frozen=True)
class EthnicityCode:
    code_system: str
    source_code: str
    census_group: int | None
    high_level_group: str


def read_ethnicity_codes(seed_dir: Path = SEED_DIR) -> tuple[EthnicityCode, ...]:
    with open(seed_dir / "ethnicity_codes.csv", newline="", encoding="utf-8") as handle:
        return tuple(
            EthnicityCode(
                row["code_system"],
                row["source_code"],
                int(row["census_ethnic_group_code"]) if row["census_ethnic_group_code"] else None,
                row["ethnic_group"],
            )
            for row in csv.DictReader(handle)
        )


def read_nicknames(seed_dir: Path = SEED_DIR) -> dict[str, tuple[str, ...]]:
    """Formal forename -> its nicknames (sorted), from forename_nicknames.csv."""
    nicknames: dict[str, list[str]] = defaultdict(list)
    with open(seed_dir / "forename_nicknames.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            nicknames[row["forename"].strip().title()].append(row["nickname"].strip().title())
    return {forename: tuple(sorted(set(names))) for forename, names in nicknames.items()}


class EthnicityCoder:
    """Writes a census group as a code of one system.

    Fine systems take the code of the same census category, else the "any
    other" code of the same high-level group (Arab -> DfE OOTH). Police codes
    use `POLICE_CODES`, checked against the seed file. A share of records gets
    the system's not known / refused code instead (`NOT_KNOWN_SHARES`).
    """

    def __init__(self, codes: tuple[EthnicityCode, ...]) -> None:
        by_system: dict[str, list[EthnicityCode]] = defaultdict(list)
        for code in codes:
            by_system[code.code_system].append(code)
        police = {c.source_code for c in by_system.get("police_ic", [])}
        missing_police = {code for options in POLICE_CODES.values() for code, _ in options} - police
        if missing_police:
            raise ValueError(f"ethnicity_codes.csv lacks police_ic code(s) {sorted(missing_police)}")
        # Per system, per census group 1..19: the codes it may be written as, with probabilities.
        self._choices: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for system, system_codes in by_system.items():
            rows = []
            for group in range(1, 20):
                if system == "police_ic":
                    options = np.array([c for c, _ in POLICE_CODES[group]], dtype=object)
                    weights = np.array([w for _, w in POLICE_CODES[group]])
                else:
                    options = np.array([_fine_code(system_codes, group)], dtype=object)
                    weights = np.ones(1)
                rows.append((options, weights / weights.sum()))
            self._choices[system] = rows
        for system, shares in NOT_KNOWN_SHARES.items():
            known_codes = {c.source_code for c in by_system.get(system, [])} | {""}
            missing = set(shares) - known_codes
            if missing:
                raise ValueError(f"ethnicity_codes.csv lacks {system} code(s) {sorted(missing)}")

    def encode(self, system: str, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The code of each census group (1..19) in `system`, as text."""
        out = np.empty(len(groups), dtype=object)
        u = rng.random(len(groups))
        for group, (options, p) in enumerate(self._choices[system], start=1):
            rows = np.flatnonzero(groups == group)
            if len(rows):
                out[rows] = options[np.minimum(np.searchsorted(np.cumsum(p), u[rows], side="right"), len(p) - 1)]
        v = rng.random(len(groups))
        threshold = 0.0
        for code, share in NOT_KNOWN_SHARES[system].items():
            out[(v >= threshold) & (v < threshold + share)] = code
            threshold += share
        return out


def _fine_code(codes: list[EthnicityCode], group: int) -> str:
    exact = [c.source_code for c in codes if c.census_group == group]
    if exact:
        return exact[0]
    fallback = OTHER_IN_GROUP[HIGH_LEVEL_GROUP[group]]
    other = [c.source_code for c in codes if c.census_group == fallback]
    if not other:
        raise ValueError(f"ethnicity_codes.csv ({codes[0].code_system}) has no code for census group {group}")
    return other[0]
