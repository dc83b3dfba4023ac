"""Data-quality faults, applied to an extract's records before they are written.

Each fault has a rate: the probability that one *eligible* row gets it. A row
is eligible when the extract has the field and the fault can change it (a
nickname needs a forename that has one, a stale address needs a move before
the event, swapped day and month need both to be 12 or less and different).
Faults are drawn independently, so a row can carry several. Only the rows a
fault touches are edited one by one (a few percent); the draws are vectorised.

`apply_faults` edits the canonical record columns in place and returns a
boolean matrix (rows x FAULT_NAMES). `mixed_date_format` and `duplicate_row`
are only drawn here: the writer formats those rows' dates another way and
writes those rows twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insight_hub.borough.config import FAULT_NAMES
from insight_hub.borough.dates import NO_DATE, components, from_components

LOWER = "abcdefghijklmnopqrstuvwxyz"
COLUMN = {name: i for i, name in enumerate(FAULT_NAMES)}


@dataclass(frozen=True)
class FieldSet:
    """The identifying fields an extract writes; faults touch only these."""

    names: bool = True
    dob: bool = True  # a date of birth column
    text_dates: bool = True  # dates written as text (so another format can creep in)
    postcode: bool = True
    own_address: bool = True  # the person's own address (not a property's), so it can be stale
    nhs_number: bool = False


def apply_faults(
    records: pd.DataFrame,
    fields: FieldSet,
    rates: Mapping[str, float],
    rng: np.random.Generator,
    nicknames: Mapping[str, tuple[str, ...]],
    postcodes: np.ndarray,
) -> np.ndarray:
    """Apply faults to `records` in place; return which row got which fault.

    Expects columns forename, surname, prev_surname (text, '' when none), dob
    (day number or NO_DATE), addr and stale_addr (address indices, -1 none) and,
    with `fields.nhs_number`, nhs (text). Adds `postcode`, the text of the
    (possibly stale) address's postcode, faulted; `postcodes` maps address
    index to postcode."""
    n = len(records)
    flags = np.zeros((n, len(FAULT_NAMES)), dtype=bool)
    # One uniform per (row, fault) decides whether the fault hits; drawn whatever the
    # rates so that changing one rate does not reshuffle the others.
    hits = rng.random((n, len(FAULT_NAMES)))
    detail = rng.random((n, 4))

    def hit(name: str, eligible: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(eligible & (hits[:, COLUMN[name]] < rates[name]))
        flags[rows, COLUMN[name]] = True
        return rows

    if fields.names:
        forename = records["forename"].to_numpy(dtype=object).copy()
        surname = records["surname"].to_numpy(dtype=object).copy()
        prev = records["prev_surname"].to_numpy(dtype=object)
        rows = hit("surname_change", prev != "")
        surname[rows] = prev[rows]
        rows = hit("name_swap", (forename != "") & (surname != ""))
        forename[rows], surname[rows] = surname[rows], forename[rows]
        rows = hit("nickname", pd.Series(forename).isin(list(nicknames)).to_numpy())
        forename[rows] = [
            nicknames[f][int(u * len(nicknames[f]))] for f, u in zip(forename[rows], detail[rows, 0], strict=True)
        ]
        forename_length = pd.Series(forename, dtype=str).str.len().to_numpy().copy()
        surname_length = pd.Series(surname, dtype=str).str.len().to_numpy()
        rows = hit("initial_only", forename_length >= 2)
        forename[rows] = pd.Series(forename[rows], dtype=str).str.slice(0, 1).to_numpy(dtype=object)
        forename_length[rows] = 1
        on_forename = detail[:, 1] < 0.5  # which name a typo hits; a transposition hits the other
        typo_length = np.where(on_forename, forename_length, surname_length)
        _edit(
            hit("name_typo", typo_length >= 2),
            on_forename,
            forename,
            surname,
            lambda v, r: _typo(v, detail[r, 2], detail[r, 3]),
            flags,
            "name_typo",
        )
        swap_length = np.where(on_forename, surname_length, forename_length)
        _edit(
            hit("name_transposition", swap_length >= 3),
            ~on_forename,
            forename,
            surname,
            lambda v, r: _transpose(v, detail[r, 2]),
            flags,
            "name_transposition",
        )
        records["forename"] = forename
        records["surname"] = surname

    if fields.dob:
        dob = records["dob"].to_numpy(dtype=np.int64).copy()
        present = dob != NO_DATE
        y, m, d = components(np.where(present, dob, 0))
        rows = hit("swapped_day_month", present & (d <= 12) & (d != m))
        dob[rows] = from_components(y[rows], d[rows], m[rows])
        records["dob"] = dob

    if fields.text_dates:
        hit("mixed_date_format", np.ones(n, dtype=bool))

    if fields.nhs_number:
        nhs = records["nhs"].to_numpy(dtype=object).copy()
        missing = hit("missing_nhs_number", nhs != "")
        nhs[missing] = ""
        for r in hit("invalid_nhs_number", nhs != ""):
            nhs[r] = _alter_digit(nhs[r], detail[r, 2], detail[r, 3])
        records["nhs"] = nhs

    addr = records["addr"].to_numpy(dtype=np.int64).copy()
    if fields.own_address:
        stale = records["stale_addr"].to_numpy(dtype=np.int64)
        rows = hit("stale_address", stale >= 0)
        addr[rows] = stale[rows]
        records["addr"] = addr

    postcode = postcodes[addr].astype(object)
    if fields.postcode:
        rows = hit("postcode_format", postcode != "")
        postcode[rows] = _reformat_postcodes(postcode[rows], detail[rows, 0])
    records["postcode"] = postcode

    # Blank optional identifying fields, each on its own draw.
    blank_rate = rates["blank"]
    blanked = np.zeros(n, dtype=bool)
    blank_draws = rng.random((n, 3))
    if fields.dob:
        rows = (records["dob"].to_numpy() != NO_DATE) & (blank_draws[:, 0] < blank_rate)
        records.loc[rows, "dob"] = NO_DATE
        blanked |= rows
    if fields.postcode:
        rows = (records["postcode"].to_numpy() != "") & (blank_draws[:, 1] < blank_rate)
        records.loc[rows, "postcode"] = ""
        blanked |= rows
    if fields.names:
        rows = (records["forename"].to_numpy() != "") & (blank_draws[:, 2] < blank_rate)
        records.loc[rows, "forename"] = ""
        blanked |= rows
    flags[:, COLUMN["blank"]] = blanked

    hit("duplicate_row", np.ones(n, dtype=bool))
    return flags


def fault_labels(flags: np.ndarray) -> np.ndarray:
    """'name_typo;nickname'-style text per row ('' when none), in FAULT_NAMES order."""
    out = np.full(len(flags), "", dtype=object)
    for name, column in COLUMN.items():
        rows = flags[:, column]
        out[rows] = np.where(out[rows] == "", name, out[rows] + ";" + name)
    return out


def _edit(
    rows: np.ndarray,
    on_forename: np.ndarray,
    forename: np.ndarray,
    surname: np.ndarray,
    change: Callable[[str, int], str],
    flags: np.ndarray,
    fault: str,
) -> None:
    """Apply `change` to the forename or surname of `rows`; a row whose name it
    cannot change (no suitable letters) loses the fault."""
    for r in rows:
        names = forename if on_forename[r] else surname
        changed = change(names[r], r)
        if changed == names[r]:
            flags[r, COLUMN[fault]] = False
        names[r] = changed


def _letters(name: str) -> int:
    return sum(c.isalpha() for c in name)


def _typo(name: str, u_op: float, u_pos: float) -> str:
    """One letter substituted, inserted or deleted (never the first letter; a
    deletion only from names of three letters or more)."""
    positions = [i for i, c in enumerate(name) if c.isalpha() and i > 0]
    if not positions:
        return name
    i = positions[int(u_pos * len(positions))]
    original = name[i]
    replacement = LOWER[int(u_pos * 9973) % 26]
    if replacement == original.lower():
        replacement = LOWER[(LOWER.index(replacement) + 1) % 26]
    if original.isupper():
        replacement = replacement.upper()
    if u_op < 0.5 or (u_op >= 0.8 and _letters(name) < 3):
        return name[:i] + replacement + name[i + 1 :]
    if u_op < 0.8:
        return name[:i] + replacement + name[i:]
    return name[:i] + name[i + 1 :]


def _transpose(name: str, u: float) -> str:
    """Two adjacent letters (after the first) exchanged."""
    pairs = [
        i for i in range(1, len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha() and name[i] != name[i + 1]
    ]
    if not pairs:
        return name
    i = pairs[int(u * len(pairs))]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _alter_digit(number: str, u_pos: float, u_digit: float) -> str:
    """One digit changed: a valid NHS number then always fails its modulus-11 check."""
    i = int(u_pos * 10)
    digit = int(number[i])
    new = (digit + 1 + int(u_digit * 9)) % 10
    return number[:i] + str(new) + number[i + 1 :]


def _reformat_postcodes(postcodes: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Lower case, no space or a doubled space, a third of the rows each."""
    text = pd.Series(postcodes, dtype=str)
    changed = np.where(
        u < 1 / 3,
        text.str.lower().to_numpy(dtype=object),
        np.where(
            u < 2 / 3,
            text.str.replace(" ", "").to_numpy(dtype=object),
            text.str.replace(" ", "  ").to_numpy(dtype=object),
        ),
    )
    return changed.astype(object)
