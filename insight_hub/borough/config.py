"""What a run of the generator is asked to do, validated once.

`BoroughConfig` holds the command-line arguments; `Period` is one monthly
delivery. Sizes at scale 1.0 live here so the README, the generator and the
tests quote one set of numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType

#: Service folders, in the order the generator writes them.
SERVICES: tuple[str, ...] = (
    "housing",
    "adult_social_care",
    "childrens_social_care",
    "revenues_benefits",
    "education",
    "community_safety",
    "nhs_partner",
    "employment_skills",
)

#: Fault name -> default rate (the probability that one eligible row gets it).
FAULT_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {
        "name_typo": 0.02,
        "name_transposition": 0.01,
        "nickname": 0.05,
        "initial_only": 0.02,
        "name_swap": 0.005,
        "surname_change": 0.005,
        "swapped_day_month": 0.01,
        "mixed_date_format": 0.03,
        "missing_nhs_number": 0.05,
        "invalid_nhs_number": 0.01,
        "stale_address": 0.03,
        "postcode_format": 0.10,
        "blank": 0.02,
        "duplicate_row": 0.01,
    }
)
DEFAULT_FAULT_NAMES: tuple[str, ...] = tuple(FAULT_DEFAULTS)

#: Faults only the `unseen` profile turns on (rate 0 in `default`): shaped unlike
#: the default's, which the linkage's residual rules mirror one for one (names
#: exchanged, an initial, one slip never on the first letter, a stale address),
#: so the linkage can be scored on faults it was never tuned on. Rates are per
#: eligible row (`married_surname`: per adult), a few percent or less, of the
#: order of the default's; the reason for each:
UNSEEN_FAULTS: Mapping[str, float] = MappingProxyType(
    {
        # Misheard or miskeyed first letter (Catherine/Katherine, Geoffrey/Jeffrey,
        # Philip/Filip, a neighbouring key): the default's typos spare the first letter,
        # which blocking and Soundex lean on. As often as the default's other typos.
        "first_letter_typo": 0.02,
        # Two keying slips in one record: a letter of a name substituted and two adjacent
        # digits of the date of birth exchanged (13/04 -> 31/04 is invalid, so the day only
        # where the result is a date, else the year's last two: 1984 -> 1948). Half the
        # single-typo rate: one careless entry makes both.
        "name_typo_and_date_transposition": 0.01,
        # Scanned paper forms read by OCR (rn/m, cl/d, vv/w, O/0, I/l/1, S/5, B/8): councils
        # still scan housing, benefit and school admission forms; about one record in a
        # hundred passes through OCR with an unchecked confusion, in a name or the postcode.
        "ocr_name": 0.01,
        "ocr_postcode": 0.01,
        # Surname recorded double-barrelled (birth and married name, or the partner's
        # joined to one's own: Patel-Smith, Smith-Patel), or a double-barrelled one cut
        # to one part. Eligible: people with a partner of another surname, an earlier
        # surname or a hyphenated one; a few records in a hundred of theirs carry it.
        "hyphenated_surname": 0.03,
        # Marriage (or a civil partnership, a divorce, a deed poll) during the three
        # years: every record after the day carries the new surname, the partner's where
        # the person lives with one, whatever the service. Marriages in England and Wales
        # (about 220,000 a year, most brides taking the husband's name) change about 0.4%
        # of adults' surnames a year, divorces and deed polls more: 2% of adults over the
        # three years. Per adult, not per row.
        "married_surname": 0.02,
        # Another transliteration of a name written first in another script
        # (Mohammed/Muhammad/Mohamed, Yusuf/Yousef, Zhang/Cheung, Chaudhry/Chowdhury;
        # transliterations.py). Each system's staff transliterate as they hear or read
        # the name, so variants are common: one eligible record in twenty.
        "transliteration": 0.05,
        # A date of birth a year out (age keyed instead of a date, a form filled in
        # before a birthday): about as common as the day and month exchanged.
        "birth_date_year_off": 0.01,
        # Only the month and year known (migrants' documents, a relative's date of birth
        # given from memory): written as the system's date without its day (03/1984,
        # 1984-03, Mar-1984, 198403), which none of the source's date formats parses,
        # so staging reads a date of birth that is present but invalid.
        "birth_date_missing_day": 0.01,
    }
)
UNSEEN_FAULT_NAMES: tuple[str, ...] = tuple(UNSEEN_FAULTS)
#: Every fault, in the order the ground truth lists them.
FAULT_NAMES: tuple[str, ...] = DEFAULT_FAULT_NAMES + UNSEEN_FAULT_NAMES

#: Profile name -> rate of every fault. `default` is what the linkage was tuned on;
#: `unseen` keeps the default's faults at their rates (real deliveries have them
#: too) and adds UNSEEN_FAULTS, so the difference between the two profiles' scores
#: is what faults of another shape cost.
FAULT_PROFILES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "default": MappingProxyType({**FAULT_DEFAULTS, **dict.fromkeys(UNSEEN_FAULT_NAMES, 0.0)}),
        "unseen": MappingProxyType({**FAULT_DEFAULTS, **UNSEEN_FAULTS}),
    }
)

#: Population at scale 1.0 (Barnet, census 2021 order of magnitude).
RESIDENTS_AT_SCALE_1 = 389_000
HOUSEHOLDS_AT_SCALE_1 = 149_000

#: Records (or people, where stated) per service at scale 1.0.
VOLUMES_AT_SCALE_1: Mapping[str, int] = MappingProxyType(
    {
        "housing_register": 7_500,  # applications
        "homelessness_hclic": 2_500,  # cases
        "asc_clients": 3_500,  # clients, 1-3 service rows each
        "csc_children": 4_500,  # children, ~1.3 referrals each
        "ctr_claims": 22_000,  # claims, claimant + partner rows
        "pupils": 60_000,  # pupils on roll per census
        "asb_cases": 5_000,  # cases
        "employment_participants": 2_500,  # participants
    }
)

COMMISSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class ConfigError(ValueError):
    """An argument the generator cannot work with; the message is one line."""


@dataclass(frozen=True)
class Period:
    """One monthly delivery: events in [start, end], extracted the day after end."""

    year: int
    month: int

    @property
    def label(self) -> str:
        """The file-name suffix, YYYY-MM."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def extracted(self) -> date:
        """First day of the next month: the day the extract is produced."""
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.extracted - timedelta(days=1)


@dataclass(frozen=True)
class BoroughConfig:
    """Arguments of one generation run (see `python -m insight_hub.borough --help`)."""

    scale: float = 1.0
    seed: int = 20261101
    landing: Path = Path("data/landing")
    truth: Path = Path("data/ground_truth")
    #: where to write the synthetic ward and LSOA boundaries (shapes.py); None: not written
    boundaries: Path | None = None
    commission: str = "IH-2026-001"
    as_of: date = date(2026, 11, 1)
    deliveries: int = 2
    services: tuple[str, ...] = SERVICES
    fault_profile: str = "default"
    #: rates set over the profile's (`fault_rates` is every fault's rate)
    faults: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ConfigError(f"--scale must be greater than 0, got {self.scale}")
        if self.scale > 5:
            raise ConfigError(f"--scale must be at most 5, got {self.scale}")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed}")
        if not 1 <= self.deliveries <= 36:
            raise ConfigError(f"--deliveries must be between 1 and 36, got {self.deliveries}")
        if not COMMISSION_PATTERN.fullmatch(self.commission):
            raise ConfigError(f"--commission must be letters, digits, '.', '_' or '-', got {self.commission!r}")
        unknown = sorted(set(self.services) - set(SERVICES))
        if unknown:
            raise ConfigError(f"unknown service {unknown[0]!r}; choose from {', '.join(SERVICES)}")
        if not self.services:
            raise ConfigError("--services names no service")
        if self.fault_profile not in FAULT_PROFILES:
            raise ConfigError(f"unknown fault profile {self.fault_profile!r}; choose from {', '.join(FAULT_PROFILES)}")
        for name, rate in self.faults.items():
            if name not in FAULT_NAMES:
                raise ConfigError(f"unknown fault {name!r}; choose from {', '.join(FAULT_NAMES)}")
            if not 0 <= rate <= 1:
                raise ConfigError(f"fault rate must be between 0 and 1, got {name}={rate}")
        landing, truth = self.landing.resolve(), self.truth.resolve()
        if truth == landing or landing in truth.parents:
            raise ConfigError(f"--truth ({self.truth}) must not be inside --landing ({self.landing})")
        if truth in landing.parents:
            raise ConfigError(f"--landing ({self.landing}) must not be inside --truth ({self.truth})")
        # Services and faults in canonical order, so equal runs compare equal. The faults stay
        # the ones set, so dataclasses.replace(config, fault_profile=...) keeps them over the new profile.
        object.__setattr__(self, "services", tuple(s for s in SERVICES if s in self.services))
        object.__setattr__(
            self, "faults", MappingProxyType({n: float(self.faults[n]) for n in FAULT_NAMES if n in self.faults})
        )

    @property
    def fault_rates(self) -> Mapping[str, float]:
        """Every fault's rate: the profile's, except those set in `faults`."""
        profile = FAULT_PROFILES[self.fault_profile]
        return MappingProxyType({n: self.faults.get(n, profile[n]) for n in FAULT_NAMES})

    @property
    def periods(self) -> tuple[Period, ...]:
        """The delivery months, oldest first: the `deliveries` months before the month of `as_of`."""
        months = self.as_of.year * 12 + self.as_of.month - 1
        return tuple(Period(m // 12, m % 12 + 1) for m in range(months - self.deliveries, months))

    @property
    def window_start(self) -> date:
        """Earliest event date: three years before `as_of` (29 February falls back to the 28th)."""
        day = min(self.as_of.day, 28) if self.as_of.month == 2 else self.as_of.day
        return self.as_of.replace(year=self.as_of.year - 3, day=day)

    def count(self, at_scale_1: int) -> int:
        """A size at scale 1.0 scaled to this run (at least 1)."""
        return max(1, round(at_scale_1 * self.scale))


def parse_fault(text: str) -> tuple[str, float]:
    """`name=rate` from the command line."""
    name, sep, rate = text.partition("=")
    if not sep:
        raise ConfigError(f"--fault expects name=rate, got {text!r}")
    name = name.strip()
    if name not in FAULT_NAMES:
        raise ConfigError(f"unknown fault {name!r}; choose from {', '.join(FAULT_NAMES)}")
    try:
        value = float(rate)
    except ValueError:
        raise ConfigError(f"fault rate must be a number, got {text!r}") from None
    return name, value
