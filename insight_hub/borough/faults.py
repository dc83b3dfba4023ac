"""Data-quality faults, applied to an extract's records before they are written.

Each fault has a rate: the probability that one *eligible* row gets it. A row
is eligible when the extract has the field and the fault can change it (a
nickname needs a forename that has one, a stale address needs a move before
the event, swapped day and month need both to be 12 or less and different).
Faults are drawn independently, so a row can carry several. Only the rows a
fault touches are edited one by one (a few percent); the draws are vectorised.

`apply_faults` edits the canonical record columns in place and returns a
boolean matrix (rows x FAULT_NAMES). `mixed_date_format`, `duplicate_row` and
`birth_date_missing_day` are only drawn here: the writer formats those rows'
dates another way, writes those rows twice, or writes the date of birth
without its day.

The faults of the `unseen` profile (config.UNSEEN_FAULTS) draw from a stream
of their own, and only when one of their rates is above 0: the default
profile's draws, and so its files, are the same with or without them. They
are vectorised over whole columns (string operations grouped by the position
or pattern they change, never a loop over rows). Three edit what the system
holds before anyone keys it (a surname changed by marriage, a double-barrelled
surname, another transliteration) and so come before the default's faults;
the keying and reading slips (first-letter typo, a name typo with a date
transposition, OCR confusions, a year out, a missing day) come after them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insight_hub.borough.config import DEFAULT_FAULT_NAMES, FAULT_NAMES, UNSEEN_FAULT_NAMES
from insight_hub.borough.dates import NO_DATE, age_years, components, from_components
from insight_hub.borough.names import SURNAME_MIX, NameBook
from insight_hub.borough.streams import categorical_rows
from insight_hub.borough.transliterations import TRANSLITERATIONS

LOWER = "abcdefghijklmnopqrstuvwxyz"
COLUMN = {name: i for i, name in enumerate(FAULT_NAMES)}

#: Letters heard for one another at the start of a name (Catherine/Katherine,
#: Geoffrey/Jeffrey, Philip/Filip, Isaac/Yitzhak, Zoe/Soe) ...
SOUND_ALIKE: Mapping[str, str] = {
    "A": "EO", "B": "PV", "C": "KS", "D": "T", "E": "AI", "F": "PV", "G": "JK", "I": "YE", "J": "GY",
    "K": "CQ", "L": "R", "M": "N", "N": "M", "O": "AU", "P": "BF", "Q": "K", "R": "LW", "S": "CZ",
    "T": "D", "U": "OY", "V": "WBF", "W": "V", "X": "Z", "Y": "IJ", "Z": "SX",
}  # fmt: skip
#: ... and the keys beside each letter on a QWERTY keyboard.
KEY_NEIGHBOURS: Mapping[str, str] = {
    "Q": "WA", "W": "QES", "E": "WRD", "R": "ETF", "T": "RYG", "Y": "TUH", "U": "YIJ", "I": "UOK",
    "O": "IPL", "P": "OL", "A": "QSZ", "S": "ADW", "D": "SFE", "F": "DGR", "G": "FHT", "H": "GJY",
    "J": "HKU", "K": "JLI", "L": "KO", "Z": "AX", "X": "ZC", "C": "XV", "V": "CB", "B": "VN",
    "N": "BM", "M": "N",
}  # fmt: skip
#: What OCR reads for what (one occurrence per faulted field): letter shapes run
#: together or apart in names, letters and digits of one shape in postcodes.
OCR_NAME: tuple[tuple[str, str], ...] = (
    ("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"), ("w", "vv"),
    ("O", "0"), ("I", "1"), ("l", "1"), ("S", "5"), ("B", "8"),
)  # fmt: skip
OCR_POSTCODE: tuple[tuple[str, str], ...] = (
    ("O", "0"), ("0", "O"), ("I", "1"), ("1", "I"), ("S", "5"), ("5", "S"), ("B", "8"), ("8", "B"),
)  # fmt: skip
#: First parts of a hyphenated surname that are particles, not a surname of their own.
PARTICLES = frozenset({"Al", "El", "Ben", "Abu", "Bin"})


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
    unseen_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Apply faults to `records` in place; return which row got which fault.

    Expects columns forename, surname, prev_surname (text, '' when none), dob
    (day number or NO_DATE), addr and stale_addr (address indices, -1 none) and,
    with `fields.nhs_number`, nhs (text). Adds `postcode`, the text of the
    (possibly stale) address's postcode, faulted; `postcodes` maps address
    index to postcode. The unseen profile's faults need `unseen_rng` and, for
    the surname ones, the columns `surname_events` describes."""
    n = len(records)
    flags = np.zeros((n, len(FAULT_NAMES)), dtype=bool)
    # One uniform per (row, fault) decides whether the fault hits; drawn whatever the
    # rates so that changing one rate does not reshuffle the others.
    hits = rng.random((n, len(DEFAULT_FAULT_NAMES)))
    detail = rng.random((n, 4))
    unseen = None
    if unseen_rng is not None and any(rates[name] > 0 for name in UNSEEN_FAULT_NAMES):
        unseen = _Unseen(records, fields, rates, unseen_rng, flags)

    def hit(name: str, eligible: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(eligible & (hits[:, COLUMN[name]] < rates[name]))
        flags[rows, COLUMN[name]] = True
        return rows

    if fields.names:
        if unseen is not None:
            unseen.held_surnames()
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
        if unseen is not None:
            unseen.keyed_names()

    if fields.dob:
        dob = records["dob"].to_numpy(dtype=np.int64).copy()
        present = dob != NO_DATE
        y, m, d = components(np.where(present, dob, 0))
        rows = hit("swapped_day_month", present & (d <= 12) & (d != m))
        dob[rows] = from_components(y[rows], d[rows], m[rows])
        records["dob"] = dob
        if unseen is not None:
            unseen.keyed_dates()

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
    if unseen is not None:
        unseen.read_back()

    hit("duplicate_row", np.ones(n, dtype=bool))
    return flags


def surname_events(
    persons: pd.DataFrame,
    names: NameBook,
    rng: np.random.Generator,
    rate: float,
    window: tuple[int, int],
    partner: np.ndarray,
) -> pd.DataFrame:
    """Per person (row of the population's persons table): the partner's surname
    ('' none) and, for the adults who change surname during `window` (first and
    last event day) with probability `rate` (fault married_surname), the new
    surname and the day from which records carry it ('' and NO_DATE otherwise).
    The new surname is the partner's where the person lives with a partner of
    another surname, else one drawn for their ethnic group. `partner[i]` is the
    person index of i's partner (-1 none)."""
    n = len(persons)
    surname = names.surnames[persons["surname"].to_numpy()]
    partner_surname = np.where(partner >= 0, surname[np.maximum(partner, 0)], "").astype(object)
    drawn = names.surnames[names.draw_surnames(rng, categorical_rows(rng, SURNAME_MIX[persons["group"].to_numpy()]))]
    first, last = window
    day = first + np.floor(rng.random(n) * (last - first + 1)).astype(np.int64)
    changes = rng.random(n) < rate
    new = np.where((partner_surname != "") & (partner_surname != surname), partner_surname, drawn).astype(object)
    changes &= (age_years(persons["dob"].to_numpy(), day) >= 18) & (new != surname)
    return pd.DataFrame(
        {
            "partner_surname": partner_surname,
            "new_surname": np.where(changes, new, "").astype(object),
            "surname_from": np.where(changes, day, NO_DATE),
        }
    )


class _Unseen:
    """The unseen profile's faults on one extract's records (see the module docstring).

    Each fault hits an eligible row when the row's uniform for it is below its
    rate; eligibility is worked out only for the rows whose uniform is, which
    is the same thing and spares string work on the other 98%."""

    def __init__(
        self,
        records: pd.DataFrame,
        fields: FieldSet,
        rates: Mapping[str, float],
        rng: np.random.Generator,
        flags: np.ndarray,
    ) -> None:
        self.records, self.fields, self.rates, self.flags = records, fields, rates, flags
        n = len(records)
        self.hits = rng.random((n, len(UNSEEN_FAULT_NAMES)))
        self.detail = rng.random((n, 4))
        self.event = records["event"].to_numpy(dtype=np.int64)

    def drawn(self, name: str) -> np.ndarray:
        """Rows whose uniform for `name` is below its rate (eligible or not)."""
        column = COLUMN[name] - len(DEFAULT_FAULT_NAMES)
        return np.flatnonzero(self.hits[:, column] < self.rates[name])

    def mark(self, name: str, rows: np.ndarray) -> None:
        self.flags[rows, COLUMN[name]] = True

    def on_forename(self, rows: np.ndarray, forename_ok: np.ndarray, surname_ok: np.ndarray) -> np.ndarray:
        """Which name of each row a fault changes: the one it can change, else either evenly."""
        return forename_ok & (~surname_ok | (self.detail[rows, 0] < 0.5))

    # --- what the system holds: before the default's faults ----------------------------------------

    def held_surnames(self) -> None:
        records = self.records
        surname = records["surname"].to_numpy(dtype=object).copy()
        prev = records["prev_surname"].to_numpy(dtype=object).copy()
        forename = records["forename"].to_numpy(dtype=object).copy()
        if self.rates["married_surname"] > 0:
            new = records["new_surname"].to_numpy(dtype=object)
            rows = np.flatnonzero((new != "") & (self.event >= records["surname_from"].to_numpy()))
            prev[rows], surname[rows] = surname[rows], new[rows]
            self.mark("married_surname", rows)
        rows = self.drawn("hyphenated_surname")
        if len(rows):
            changed = _hyphenate(
                surname[rows],
                records["partner_surname"].to_numpy(dtype=object)[rows],
                prev[rows],
                self.detail[rows, 1],
            )
            rows, changed = rows[changed != surname[rows]], changed[changed != surname[rows]]
            surname[rows] = changed
            self.mark("hyphenated_surname", rows)
        rows = self.drawn("transliteration")
        if len(rows):
            forename_ok = pd.Series(forename[rows]).isin(list(TRANSLITERATIONS)).to_numpy()
            surname_ok = pd.Series(surname[rows]).isin(list(TRANSLITERATIONS)).to_numpy()
            first = self.on_forename(rows, forename_ok, surname_ok)
            keep = forename_ok | surname_ok
            rows, first = rows[keep], first[keep]
            for names, chosen in ((forename, first), (surname, ~first)):
                names[rows[chosen]] = _respell(names[rows[chosen]], self.detail[rows[chosen], 2])
            self.mark("transliteration", rows)
        records["surname"] = surname
        records["prev_surname"] = prev
        records["forename"] = forename

    # --- keying and reading slips: after the default's faults --------------------------------------

    def keyed_names(self) -> None:
        records = self.records
        forename = records["forename"].to_numpy(dtype=object).copy()
        surname = records["surname"].to_numpy(dtype=object).copy()
        rows = self.drawn("first_letter_typo")
        if len(rows):
            forename_ok, surname_ok = (_first_letter_ok(names[rows]) for names in (forename, surname))
            first = self.on_forename(rows, forename_ok, surname_ok)
            keep = forename_ok | surname_ok
            rows, first = rows[keep], first[keep]
            for names, chosen in ((forename, first), (surname, ~first)):
                r = rows[chosen]
                names[r] = _first_letter_typo(names[r], self.detail[r, 2], self.detail[r, 3])
            self.mark("first_letter_typo", rows)
        rows = self.drawn("ocr_name")
        if len(rows):
            forename_ok, surname_ok = (_confusable(names[rows], OCR_NAME) for names in (forename, surname))
            first = self.on_forename(rows, forename_ok, surname_ok)
            keep = forename_ok | surname_ok
            rows, first = rows[keep], first[keep]
            for names, chosen in ((forename, first), (surname, ~first)):
                r = rows[chosen]
                names[r] = _confuse(names[r], OCR_NAME, self.detail[r, 3])
            self.mark("ocr_name", rows)
        records["forename"] = forename
        records["surname"] = surname

    def keyed_dates(self) -> None:
        """A year out; then a name typo with two digits of the date exchanged (both or neither)."""
        records = self.records
        dob = records["dob"].to_numpy(dtype=np.int64).copy()
        rows = self.drawn("birth_date_year_off")
        rows = rows[dob[rows] != NO_DATE]
        if len(rows):
            y, m, d = components(dob[rows])
            later = self.detail[rows, 1] < 0.5
            shifted = _valid_day(y + np.where(later, 1, -1), m, d)
            too_late = shifted > self.event[rows]  # born after the event: a year earlier instead
            shifted[too_late] = _valid_day(y - 1, m, d)[too_late]
            dob[rows] = shifted
            self.mark("birth_date_year_off", rows)
        rows = self.drawn("name_typo_and_date_transposition") if self.fields.names else np.empty(0, np.int64)
        rows = rows[dob[rows] != NO_DATE]
        if len(rows):
            transposed = _transpose_date_digits(dob[rows], self.event[rows], self.detail[rows, 1])
            forename = records["forename"].to_numpy(dtype=object).copy()
            surname = records["surname"].to_numpy(dtype=object).copy()
            position, letter = self.detail[rows, 2], self.detail[rows, 3]
            forename_typo, surname_typo = (_keyed_slip(names[rows], position, letter) for names in (forename, surname))
            forename_ok, surname_ok = forename_typo != forename[rows], surname_typo != surname[rows]
            first = self.on_forename(rows, forename_ok, surname_ok)
            keep = (forename_ok | surname_ok) & (transposed != NO_DATE)
            forename[rows[keep & first]] = forename_typo[keep & first]
            surname[rows[keep & ~first]] = surname_typo[keep & ~first]
            dob[rows[keep]] = transposed[keep]
            self.mark("name_typo_and_date_transposition", rows[keep])
            records["forename"] = forename
            records["surname"] = surname
        records["dob"] = dob

    def read_back(self) -> None:
        """OCR in the postcode; a date of birth known only to the month (text dates only)."""
        records = self.records
        if self.fields.postcode:
            postcode = records["postcode"].to_numpy(dtype=object).copy()
            rows = self.drawn("ocr_postcode")
            rows = rows[_confusable(postcode[rows], OCR_POSTCODE)]
            postcode[rows] = _confuse(postcode[rows], OCR_POSTCODE, self.detail[rows, 3])
            records["postcode"] = postcode
            self.mark("ocr_postcode", rows)
        if self.fields.dob and self.fields.text_dates:
            rows = self.drawn("birth_date_missing_day")
            self.mark("birth_date_missing_day", rows[records["dob"].to_numpy()[rows] != NO_DATE])


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object).astype(str)


def _char_at(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    """The character of each value at its position ('' past the end), grouped by position."""
    text = _text(values)
    out = np.full(len(values), "", dtype=object)
    for p in np.unique(position):
        rows = np.flatnonzero(position == p)
        out[rows] = text.iloc[rows].str.slice(int(p), int(p) + 1).to_numpy(dtype=object)
    return out


def _replace_at(values: np.ndarray, position: np.ndarray, replacement: np.ndarray) -> np.ndarray:
    """Each value with the character at its position replaced, grouped by position."""
    text = _text(values)
    out = np.asarray(values, dtype=object).copy()
    for p in np.unique(position):
        rows = np.flatnonzero(position == p)
        part = text.iloc[rows]
        new = part.str.slice(0, int(p)) + pd.Series(replacement[rows], index=part.index) + part.str.slice(int(p) + 1)
        out[rows] = new.to_numpy(dtype=object)
    return out


def _pick(options: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One character of each options string, chosen by `u` ('' for empty options)."""
    length = _text(options).str.len().to_numpy()
    return _char_at(options, np.floor(u * length).astype(np.int64))


def _same_case(letters: np.ndarray, like: np.ndarray) -> np.ndarray:
    upper = _text(like).str.isupper().to_numpy()
    text = _text(letters)
    return np.where(upper, text.str.upper(), text.str.lower()).astype(object)


def _first_letter_ok(values: np.ndarray) -> np.ndarray:
    """Names of two letters or more that start with a plain letter."""
    text = _text(values)
    return (text.str.len() >= 2).to_numpy() & text.str.slice(0, 1).str.upper().isin(list(KEY_NEIGHBOURS)).to_numpy()


def _first_letter_typo(values: np.ndarray, u_kind: np.ndarray, u_letter: np.ndarray) -> np.ndarray:
    """The first letter replaced by one that sounds alike (three rows in five, where one does)
    or by a key beside it."""
    start = np.zeros(len(values), dtype=np.int64)
    first = _char_at(values, start)
    key = _text(first).str.upper()
    sound, keys = key.map(SOUND_ALIKE).to_numpy(dtype=object), key.map(KEY_NEIGHBOURS).to_numpy(dtype=object)
    options = np.where((u_kind < 0.6) & pd.notna(sound), sound, keys)
    return _replace_at(values, start, _same_case(_pick(options, u_letter), first))


def _keyed_slip(values: np.ndarray, u_position: np.ndarray, u_letter: np.ndarray) -> np.ndarray:
    """One letter of a name of three or more (any, the first included) replaced by a key beside it;
    the value unchanged where the character drawn is not a plain letter."""
    length = _text(values).str.len().to_numpy()
    position = np.floor(u_position * np.maximum(length, 1)).astype(np.int64)
    letter = _char_at(values, position)
    options = _text(letter).str.upper().map(KEY_NEIGHBOURS)
    rows = np.flatnonzero(options.notna().to_numpy() & (length >= 3))
    out = np.asarray(values, dtype=object).copy()
    replacement = _same_case(_pick(options.to_numpy(dtype=object)[rows], u_letter[rows]), letter[rows])
    out[rows] = _replace_at(out[rows], position[rows], replacement)
    return out


def _confusable(values: np.ndarray, patterns: tuple[tuple[str, str], ...]) -> np.ndarray:
    text = _text(values)
    return np.logical_or.reduce([text.str.contains(a, regex=False).to_numpy() for a, _ in patterns])


def _confuse(values: np.ndarray, patterns: tuple[tuple[str, str], ...], u: np.ndarray) -> np.ndarray:
    """The first occurrence of one of the patterns each value holds (chosen by `u`) replaced."""
    text = _text(values)
    has = np.column_stack([text.str.contains(a, regex=False).to_numpy() for a, _ in patterns])
    count = has.sum(axis=1)
    choice = np.argmax(has.cumsum(axis=1) > np.floor(u * count)[:, None], axis=1)
    out = np.asarray(values, dtype=object).copy()
    for k, (before, after) in enumerate(patterns):
        rows = np.flatnonzero((count > 0) & (choice == k))
        out[rows] = text.iloc[rows].str.replace(before, after, n=1, regex=False).to_numpy(dtype=object)
    return out


def _hyphenate(surname: np.ndarray, partner: np.ndarray, prev: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A double-barrelled surname cut to one part (the part after a particle: Al-Hassan -> Hassan);
    else the other surname the person is known by (the partner's, else an earlier one)
    joined to their own, their own first in three rows in five. Unchanged when there is none."""
    text = _text(surname)
    parts = text.str.partition("-")
    first_part, last_part = parts[0].to_numpy(dtype=object), parts[2].to_numpy(dtype=object)
    hyphenated = last_part != ""
    keep_last = pd.Series(first_part).isin(list(PARTICLES)).to_numpy() | (u >= 0.7)
    other = np.where((partner != "") & (partner != surname), partner, np.where(prev != surname, prev, ""))
    own_first = u < 0.6
    joined = np.where(own_first, text + "-" + other, other + "-" + text)
    return np.where(
        hyphenated,
        np.where(keep_last, last_part, first_part),
        np.where(other != "", joined, surname),
    ).astype(object)


def _respell(values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Another spelling of each name from TRANSLITERATIONS, chosen by `u`."""
    options = pd.Series(values, dtype=object).map(TRANSLITERATIONS)
    count = options.map(len).to_numpy()
    k = np.floor(u * count).astype(np.int64)
    flat = pd.Series({(name, i): other for name, others in TRANSLITERATIONS.items() for i, other in enumerate(others)})
    return flat.reindex(pd.MultiIndex.from_arrays([values, k])).to_numpy(dtype=object)


def _valid_day(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day numbers of y/m/d, 29 February falling back to the 28th in a common year."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return from_components(y, m, np.where((m == 2) & (d == 29) & ~leap, 28, d))


def _transpose_date_digits(dob: np.ndarray, event: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Two adjacent digits exchanged: the day's (13 -> 31) where that is a date, else the
    year's last two (1984 -> 1948) where that is a date not after the event; chosen by
    `u` when both are. NO_DATE where neither changes anything."""
    y, m, d = components(dob)
    day = (d % 10) * 10 + d // 10
    month_days = from_components(y + m // 12, m % 12 + 1, np.ones_like(m)) - from_components(y, m, np.ones_like(m))
    day_ok = (day != d) & (day >= 1) & (day <= month_days)
    tens, units = (y % 100) // 10, y % 10
    year = y - y % 100 + units * 10 + tens
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    year_ok = (year != y) & ~((m == 2) & (d == 29) & ~leap)
    by_year = from_components(np.where(year_ok, year, y), m, np.where(year_ok, d, 1))
    year_ok &= by_year <= event
    use_day = day_ok & (~year_ok | (u < 0.5))
    by_day = from_components(y, m, np.where(day_ok, day, d))
    return np.where(use_day, by_day, np.where(year_ok, by_year, NO_DATE))


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
