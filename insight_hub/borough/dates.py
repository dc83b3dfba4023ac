"""Dates as integer day numbers (days since 1970-01-01) and their text forms.

Whole columns are formatted through their distinct values, so writing 400,000
dates costs a few tens of thousands of string operations.
"""

from __future__ import annotations

from datetime import date

import numpy as np

#: Marks a missing date in a day-number array.
NO_DATE = np.iinfo(np.int64).min

MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Text date formats, as str.format templates over y, m, d and mon (month abbreviation).
DMY_SLASH = "{d:02d}/{m:02d}/{y:04d}"
ISO = "{y:04d}-{m:02d}-{d:02d}"
DMON = "{d:02d}-{mon}-{y:04d}"
COMPACT = "{y:04d}{m:02d}{d:02d}"
DMY_DASH = "{d:02d}-{m:02d}-{y:04d}"
DMY_SHORT = "{d}/{m}/{y:04d}"
DMY_DOT = "{d:02d}.{m:02d}.{y:04d}"

#: What a system that keys dates "another common way" writes (fault mixed_date_format).
ALTERNATIVE_FORMATS = (ISO, DMY_DASH, DMY_SHORT, DMY_DOT, DMY_SLASH)

#: Each format without its day: a date known only to the month (fault
#: birth_date_missing_day). None of the sources' date formats parses these.
MONTH_ONLY = {
    DMY_SLASH: "{m:02d}/{y:04d}",
    ISO: "{y:04d}-{m:02d}",
    DMON: "{mon}-{y:04d}",
    COMPACT: "{y:04d}{m:02d}",
    DMY_DASH: "{m:02d}-{y:04d}",
    DMY_SHORT: "{m}/{y:04d}",
    DMY_DOT: "{m:02d}.{y:04d}",
}


def day_number(value: date) -> int:
    return (value - date(1970, 1, 1)).days


def components(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each day number."""
    as_dates = np.asarray(days, dtype="datetime64[D]")
    years = as_dates.astype("datetime64[Y]")
    months = as_dates.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (as_dates - months).astype(np.int64) + 1
    return y, m, d


def from_components(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day numbers of year/month/day arrays (all valid dates)."""
    months = (np.asarray(y) - 1970) * 12 + np.asarray(m) - 1
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + np.asarray(d) - 1


def age_years(dob: np.ndarray, at: np.ndarray | int) -> np.ndarray:
    """Age in whole years on day(s) `at` of people born on `dob`."""
    y1, m1, d1 = components(dob)
    y2, m2, d2 = components(np.broadcast_to(np.asarray(at, dtype=np.int64), np.shape(dob)))
    return y2 - y1 - ((m2 * 100 + d2) < (m1 * 100 + d1))


def format_days(days: np.ndarray, template: str) -> np.ndarray:
    """Text of each day number in `template` ('' where the date is missing)."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), "", dtype=object)
    present = days != NO_DATE
    if not present.any():
        return out
    distinct, inverse = np.unique(days[present], return_inverse=True)
    y, m, d = components(distinct)
    texts = np.array(
        [
            template.format(y=a, m=b, d=c, mon=MONTH_ABBREVIATIONS[b - 1])
            for a, b, c in zip(y.tolist(), m.tolist(), d.tolist(), strict=True)
        ],
        dtype=object,
    )
    out[present] = texts[inverse]
    return out


def format_with_alternatives(
    days: np.ndarray,
    template: str,
    alternative: np.ndarray,
    choice: np.ndarray,
    month_only: np.ndarray | None = None,
) -> np.ndarray:
    """Days in `template`, except rows where `alternative` is true, which use
    ALTERNATIVE_FORMATS[choice] (or ISO / dd.mm.yyyy when that would read the same),
    and rows where `month_only` is true, which use `template` without the day."""
    out = _with_alternatives(days, template, alternative, choice)
    if month_only is not None:
        rows = np.flatnonzero(month_only & (np.asarray(days) != NO_DATE))
        out[rows] = format_days(np.asarray(days)[rows], MONTH_ONLY[template])
    return out


def _with_alternatives(days: np.ndarray, template: str, alternative: np.ndarray, choice: np.ndarray) -> np.ndarray:
    out = format_days(days, template)
    rows = np.flatnonzero(alternative & (np.asarray(days) != NO_DATE))
    if len(rows) == 0:
        return out
    formats = [f for f in ALTERNATIVE_FORMATS if f != template]
    picked = np.asarray(choice)[rows] % len(formats)
    fallback = DMY_DOT if template == ISO else ISO
    for k, fmt in enumerate(formats):
        subset = rows[picked == k]
        if len(subset):
            texts = format_days(np.asarray(days)[subset], fmt)
            same = texts == out[subset]
            texts[same] = format_days(np.asarray(days)[subset[same]], fallback)
            out[subset] = texts
    return out
