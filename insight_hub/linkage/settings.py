"""Every linkage setting, in one place.

The linkage links the pseudonymised records of one commission into people.
It sees keyed tokens only. Two kinds of evidence come from staging:

- tokens of whole values and their variants, compared for equality: formal
  forename for a nickname, Soundex codes, initial, the date of birth with day
  and month exchanged, its year, month and day, postcode (a UK one, or the
  normalised text of any other) and sector, UPRN, NHS number, and every
  contact identifier a source declares (email, phone, NI number, a national
  id); each field has its own token domain, so a comparison only ever sets a
  field against the same field or its deliberate twin (forename-and-surname
  against surname-and-forename);
- keyed sets of letter pairs (bigrams) of each name and of the address lines,
  which the linkage turns into 127-bit filters in its own in-memory copy of
  the input and compares by the Dice coefficient of their bits: how alike two
  spellings are, whatever the fault (a first letter, an OCR confusion, a
  transliteration, a hyphenated surname). The sets are never stored
  (int_person_records__token_sets is a view; see token_set_attack.py).

Every level below is evidence Splink weighs with the m and u it estimates for
the commission (Fellegi-Sunter):

- lambda (prior match probability) from the first of DETERMINISTIC_RULE_TIERS
  that finds pairs, at LAMBDA_RECALL;
- u probabilities by random sampling (U_MAX_PAIRS pairs, U_SEED);
- m probabilities by EM on blocks chosen from EM_BLOCK_CANDIDATES by what the
  commission has (training_plan in splink_run.py): on the borough, pairs with
  the same date of birth (everything but the date), then with the same NHS
  number (the date; nearly all such pairs are matches, which keeps EM from
  settling on households as the "match" class); without NHS numbers, pairs
  with the same surname and postcode; a comparison no block can train is
  named in the build log. A date-of-birth level no training pair reaches
  keeps its prior (DOB_KEYING_PRIOR);
- candidate pairs from PREDICTION_BLOCKING_RULES only (near-linear in records).

Design choices worth knowing:
- surname and address are scored together (`surname_address`): households
  share both, so scoring them apart counts the household evidence twice and
  links relatives (cluster precision 0.95 instead of 0.998 on 850,000 records);
- twins share a birth date, surname and address: the same date with forenames
  that are not one name (TWIN_LEVEL_LABEL) is a level of its own, whose m EM
  estimates, instead of the full weight of a shared date;
- a parent and a child of one name at one address differ only in the date of
  birth: a date years out is its own level, apart from one part keyed wrong;
- a pair whose address is unknown on one side is not scored as "other
  address": people keep their surname far more often than their address;
- a forename given as its initial and two forenames sharing an initial are
  separate levels: the first is nearly always one person, the second often
  siblings;
- the clustering threshold (dbt var linkage_cluster_threshold, 0.7) is where
  pairwise F1 peaked (0.9 to 0.5 swept on 742,018 records and a second borough).

What happens to the scored pairs is SQL, in the dbt models of
models/intermediate/linkage (each with unit tests): the deterministic pass,
the edges (a record that cannot anchor a person keeps only its best link),
Splink's clustering, cannot-link separation, and the residual passes (a record
still alone joins the only person its names fit at its address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

if TYPE_CHECKING:  # splink exports no name for the type block_on returns
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

# Columns of int_linkage__records that Splink reads (all tokens are 64-hex HMACs).
RECORD_COLUMNS = (
    "record_token",
    "commission_id",
    "service_code",
    "source_person_token",
    "nhs_number_token",
    "forename_token",
    "forename_canonical_token",
    "forename_soundex_token",
    "forename_initial_token",
    "surname_token",
    "surname_soundex_token",
    "full_name_token",
    "name_swapped_token",
    "is_forename_initial",
    "birth_date_token",
    "birth_date_swapped_token",
    "birth_year",
    "latest_birth_year",
    "sex",
    "postcode_token",
    "postcode_sector_token",
    "uprn_token",
    "contact_identifier_tokens",
)
# The token sets, read from the view int_person_records__token_sets (never stored).
TOKEN_SET_COLUMNS = (
    "forename_word_token",
    "surname_word_token",
    "forename_bigram_tokens",
    "surname_bigram_tokens",
    "forename_edit_tokens",
    "surname_edit_tokens",
    "birth_date_part_tokens",
    "address_bigram_tokens",
)
# What Splink compares: the records' columns and their token sets.
INPUT_COLUMNS = RECORD_COLUMNS + TOKEN_SET_COLUMNS
# Tokens compared for equality only, so Splink works on their first 64 bits as
# integers: 3-6 times faster, a third of the memory; collisions ~1e-8 at 1M values.
INTEGER_TOKEN_COLUMNS = tuple(c for c in INPUT_COLUMNS if c.endswith("_token") and c != "record_token")
INTEGER_TOKEN_LIST_COLUMNS = tuple(c for c in INPUT_COLUMNS if c.endswith("_tokens"))
# Token lists compared by similarity become 127-bit filters in the linkage's own
# in-memory copy of its input (never stored): filter column -> its token list.
BLOOM_COLUMNS = {
    "forename_bigram_bloom": "forename_bigram_tokens",
    "surname_bigram_bloom": "surname_bigram_tokens",
    "address_bigram_bloom": "address_bigram_tokens",
    "contact_identifier_bloom": "contact_identifier_tokens",
}
# The only token list a comparison also reads as a list (a filter sharing a bit
# only says the lists may share a token); the others are read as filters alone.
COMPARED_TOKEN_LISTS = ("contact_identifier_tokens",)

PREDICT_THRESHOLD = 0.5  # pairs kept for clustering (var linkage_cluster_threshold) and diagnostics
LAMBDA_RECALL = 0.6  # share of true matches the deterministic rules are assumed to find
U_MAX_PAIRS = 1e7
U_SEED = 1234
EM_CONVERGENCE = 0.0001
EM_MAX_ITERATIONS = 25


def _level(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label)


def dice(bloom: str) -> str:
    """SQL of the Dice coefficient of two records' bit filters (2|A∩B| / (|A|+|B|))."""
    return f'2.0 * bit_count("{bloom}_l" & "{bloom}_r") / (bit_count("{bloom}_l") + bit_count("{bloom}_r"))'


def shares_one(token_list: str, possible: str) -> str:
    """SQL: the two records' token lists have a token in common, looked for
    only where `possible` (a cheap test on their bit filters that every pair
    with a common token passes) holds, so most pairs never intersect lists."""
    return f'({possible} AND list_has_any("{token_list}_l", "{token_list}_r"))'


def shares_bit(bloom: str) -> str:
    return f'bit_count("{bloom}_l" & "{bloom}_r") > 0'


# Names that are one name, however written: the same formal name, alike in
# sound, or most of their letter pairs in common (Dice of the bigram sets;
# SARAH and SARA 0.73, SMITH and SMYTH 0.67, MOHAMMED and MUHAMMAD 0.56,
# SARAH and SIMON 0.18). A level on the one-letter-deletion variants (a
# variant in common) as well was measured on the small borough: it moved
# person recall by 0.0002 and doubled training time (intersecting token lists
# of every sampled pair), so the variants serve only the residual rules.
FORENAME_DICE_CLOSE = 0.7
FORENAME_DICE_SIMILAR = 0.5
SURNAME_DICE_SIMILAR = 0.6
ADDRESS_DICE_SIMILAR = 0.8
FORENAMES_ALIKE = (
    '("forename_canonical_token_l" = "forename_canonical_token_r" '
    f"OR {dice('forename_bigram_bloom')} >= {FORENAME_DICE_SIMILAR} "
    'OR "forename_soundex_token_l" = "forename_soundex_token_r" '
    'OR (("is_forename_initial_l" OR "is_forename_initial_r") '
    'AND "forename_initial_token_l" = "forename_initial_token_r") '
    'OR coalesce("full_name_token_l" = "name_swapped_token_r", false) '
    'OR coalesce("forename_word_token_l" = "surname_word_token_r", false))'
)
SURNAMES_ALIKE = (
    '("surname_token_l" = "surname_token_r" OR "surname_soundex_token_l" = "surname_soundex_token_r" '
    f"OR {dice('surname_bigram_bloom')} >= {SURNAME_DICE_SIMILAR})"
)


def comparisons() -> list:
    """The Fellegi-Sunter comparisons, strongest level first. Every level is
    evidence Splink weighs with m and u it estimates; none is a rule."""
    nhs_number = cl.CustomComparison(
        output_column_name="nhs_number",
        comparison_levels=[cll.NullLevel("nhs_number_token"), cll.ExactMatchLevel("nhs_number_token"), cll.ElseLevel()],
    )
    contact_identifier = cl.CustomComparison(
        output_column_name="contact_identifier",
        comparison_levels=[
            cll.NullLevel("contact_identifier_tokens"),
            _level(
                shares_one("contact_identifier_tokens", shares_bit("contact_identifier_bloom")),
                "An identifier of one kind in common",
            ),
            cll.ElseLevel(),
        ],
    )
    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename_token"),
            cll.ExactMatchLevel("forename_token", term_frequency_adjustments=True),
            _level('"forename_canonical_token_l" = "forename_canonical_token_r"', "Same formal forename (nickname)"),
            _level(
                f"{dice('forename_bigram_bloom')} >= {FORENAME_DICE_CLOSE}",
                "Forenames close in letter pairs",
            ),
            _level(
                f'"forename_soundex_token_l" = "forename_soundex_token_r" '
                f"OR {dice('forename_bigram_bloom')} >= {FORENAME_DICE_SIMILAR}",
                "Forenames alike in sound or letter pairs",
            ),
            _level(
                '("is_forename_initial_l" OR "is_forename_initial_r") AND '
                '"forename_initial_token_l" = "forename_initial_token_r"',
                "Forename given as its initial",
            ),
            _level('"forename_initial_token_l" = "forename_initial_token_r"', "Other forename, same initial"),
            _level('"full_name_token_l" = "name_swapped_token_r"', "Forename and surname exchanged"),
            _level(
                '"forename_word_token_l" = "surname_word_token_r" OR "surname_word_token_l" = "forename_word_token_r"',
                "Forename given as the other's surname",
            ),
            cll.ElseLevel(),
        ],
    )
    # Twins share a date of birth (and a surname and address): the same date with
    # forenames that are not one name is its own level, which EM gives its own
    # (low) m, instead of the full weight of a shared date of birth.
    date_of_birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("birth_date_token"),
            _level(
                '"birth_date_token_l" = "birth_date_token_r" AND "forename_token_l" IS NOT NULL '
                f'AND "forename_token_r" IS NOT NULL AND NOT {FORENAMES_ALIKE}',
                TWIN_LEVEL_LABEL,
            ).configure(m_probability=0.001),
            cll.ExactMatchLevel("birth_date_token"),
            _level('"birth_date_token_l" = "birth_date_swapped_token_r"', "Day and month exchanged").configure(
                m_probability=DOB_KEYING_PRIOR["swapped"]
            ),
            _level(
                '("birth_year_l" = "birth_year_r")::int + ("birth_month_token_l" = "birth_month_token_r")::int '
                '+ ("birth_day_token_l" = "birth_day_token_r")::int = 2',
                "Two of year, month and day agree",
            ).configure(m_probability=DOB_KEYING_PRIOR["one_part"]),
            # a date keyed wrong is rarely years out; a parent and a child of one name are
            _level('abs("birth_year_l" - "birth_year_r") <= 2', "Another date, born within two years").configure(
                m_probability=DOB_KEYING_PRIOR["near"]
            ),
            cll.ElseLevel().configure(m_probability=DOB_KEYING_PRIOR["other"]),
        ],
    )
    # A record with no date of birth from a source whose subjects must be adults
    # (council tax) still bounds the year of birth: a child cannot be its subject.
    birth_year_bound = cl.CustomComparison(
        output_column_name="birth_year_bound",
        comparison_levels=[
            _level(
                '("birth_date_token_l" IS NOT NULL AND "birth_date_token_r" IS NOT NULL) OR '
                '(("birth_year_l" IS NULL OR "latest_birth_year_r" IS NULL) AND '
                '("birth_year_r" IS NULL OR "latest_birth_year_l" IS NULL))',
                "Not applicable (both dated, or no bound)",
            ).configure(is_null_level=True),
            _level(
                '"birth_year_l" > "latest_birth_year_r" OR "birth_year_r" > "latest_birth_year_l"',
                "Born after the other record allows",
            ).configure(m_probability=0.002, fix_m_probability=True),
            cll.ElseLevel().configure(m_probability=0.998, fix_m_probability=True),
        ],
    )
    address_unknown = (
        '("uprn_token_l" IS NULL OR "uprn_token_r" IS NULL) AND '
        '("postcode_token_l" IS NULL OR "postcode_token_r" IS NULL) AND '
        '("address_bigram_bloom_l" IS NULL OR "address_bigram_bloom_r" IS NULL)'
    )
    addresses_alike = f"{dice('address_bigram_bloom')} >= {ADDRESS_DICE_SIMILAR}"
    surname_address = cl.CustomComparison(
        output_column_name="surname_address",
        comparison_levels=[
            _level(
                f'("surname_token_l" IS NULL OR "surname_token_r" IS NULL) AND {address_unknown}',
                "Surname and address unknown",
            ).configure(is_null_level=True),
            _level(f'"uprn_token_l" = "uprn_token_r" AND {SURNAMES_ALIKE}', "Same property, surname alike"),
            _level('"uprn_token_l" = "uprn_token_r"', "Same property, other surname"),
            _level(
                f'"postcode_token_l" = "postcode_token_r" AND {addresses_alike} AND {SURNAMES_ALIKE}',
                "Same postcode and address lines alike, surname alike",
            ),
            _level(f'"postcode_token_l" = "postcode_token_r" AND {SURNAMES_ALIKE}', "Same postcode, surname alike"),
            _level(f"{addresses_alike} AND {SURNAMES_ALIKE}", "Address lines alike, surname alike"),
            _level(
                f'"postcode_token_l" = "postcode_token_r" OR {addresses_alike}',
                "Same postcode or address lines alike, other surname",
            ),
            _level(f"{address_unknown} AND {SURNAMES_ALIKE}", "Surname alike, address unknown"),
            _level('"surname_token_l" = "surname_token_r"', "Same surname, other address").configure(
                tf_adjustment_column="surname_token", tf_adjustment_weight=1.0, disable_tf_exact_match_detection=True
            ),
            _level(SURNAMES_ALIKE, "Surname alike, other address"),
            _level('"postcode_sector_token_l" = "postcode_sector_token_r"', "Same postcode sector"),
            cll.ElseLevel(),
        ],
    )
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()],
    )
    service_person = cl.CustomComparison(
        output_column_name="service_person",
        comparison_levels=[
            cll.NullLevel("source_person_token"),
            _level(
                '"service_code_l" = "service_code_r" AND "source_person_token_l" = "source_person_token_r"',
                "Same service, same person id",
            ),
            _level('"service_code_l" = "service_code_r"', "Same service, other person id"),
            cll.ElseLevel(),
        ],
    )
    return [
        nhs_number,
        contact_identifier,
        forename,
        date_of_birth,
        birth_year_bound,
        surname_address,
        sex,
        service_person,
    ]


# Where dates of birth are disagreed on: the share of one person's pairs of
# records at each level before EM has seen any (published keying-error rates
# for dates of birth in administrative data are 0.5-3% of records, most of
# them one part wrong). EM replaces each with what the commission's own pairs
# show; a level no training pair reaches keeps it.
DOB_KEYING_PRIOR = {"swapped": 0.002, "one_part": 0.01, "near": 0.003, "other": 0.002}

TWIN_LEVEL_LABEL = "Same date of birth, forenames not one name (twins)"

PREDICTION_BLOCKING_RULES: list[str | BlockingRuleCreator] = [
    block_on("nhs_number_token"),
    block_on("birth_date_token", "surname_soundex_token"),
    block_on("birth_date_token", "forename_canonical_token"),
    block_on("postcode_token", "surname_token"),
    block_on("uprn_token", "forename_initial_token"),
    # both symmetric: exchanging day and month, or names, twice gives the original back
    "l.birth_date_token = r.birth_date_swapped_token AND l.surname_token = r.surname_token",
    "l.full_name_token = r.name_swapped_token",
    block_on("service_code", "source_person_token"),
    block_on("forename_canonical_token", "surname_token", "postcode_sector_token"),
    block_on("birth_year", "forename_soundex_token", "surname_soundex_token"),
    block_on("postcode_token", "forename_soundex_token", "surname_soundex_token"),
    block_on("contact_identifier_tokens", arrays_to_explode=["contact_identifier_tokens"]),
]
# Pairs blocked on these (in turn, the first tier that finds any) are assumed to
# hold LAMBDA_RECALL of the true matches, which sets the prior.
DETERMINISTIC_RULE_TIERS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("nhs_number_token", "birth_date_token"), ("forename_token", "surname_token", "birth_date_token")),
    (("forename_token", "surname_token", "postcode_token"),),
)
# EM estimates m on pairs blocked on each of these in turn, taken while a
# comparison is left untrained and the block has at least MIN_EM_PAIRS pairs: on
# the borough, pairs with the same date of birth (everything but the date), then
# with the same NHS number (the date; nearly all such pairs are matches, which
# keeps EM from settling on households as the "match" class, as blocking on names
# did). A commission without NHS numbers or dates of birth trains on what it has.
EM_BLOCK_CANDIDATES: tuple[tuple[str, ...], ...] = (
    ("birth_date_token",),
    ("nhs_number_token",),
    ("surname_token", "postcode_token"),
    ("forename_token", "surname_token"),
)
MIN_EM_PAIRS = 50


def splink_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons(),
        # cast: splink annotates this field BlockingRuleCreator | dict, leaving out the SQL strings it
        # takes here as everywhere else (SettingsCreator._as_creator_dict passes each rule through
        # to_blocking_rule_creator, which makes a CustomRule of a string)
        blocking_rules_to_generate_predictions=cast(
            "list[BlockingRuleCreator | dict[str, Any]]", PREDICTION_BLOCKING_RULES
        ),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        em_convergence=EM_CONVERGENCE,
        max_iterations=EM_MAX_ITERATIONS,
    )
