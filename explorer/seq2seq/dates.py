"""Human-readable dates, written and read by our own code (no locale, no downloads).

Every format is a template of named fields; `write` fills one in for a `datetime.date`,
`parse` reads any of them back. The fields::

    {Y} 2021   {mm} 03   {m} 3   {dd} 07   {d} 7
    {month} March   {mon} Mar   {MON} MAR   {wd} Sun

Day-first and month-first numeric dates use different separators (dots and slashes), so
no string is ambiguous: every source has exactly one ISO answer.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)

FORMATS = (
    "{Y}-{mm}-{dd}",  # 2021-03-07, already ISO
    "{d} {month} {Y}",  # 7 March 2021
    "{month} {d}, {Y}",  # March 7, 2021
    "{mon} {d}, {Y}",  # Mar 7, 2021
    "{d} {mon} {Y}",  # 7 Mar 2021
    "{wd}, {d} {mon} {Y}",  # Sun, 7 Mar 2021
    "{dd} {MON} {Y}",  # 07 MAR 2021
    "{dd}.{mm}.{Y}",  # 07.03.2021, day first
    "{mm}/{dd}/{Y}",  # 03/07/2021, month first
    "{Y}.{m}.{d}",  # 2021.3.7
    "{Y}{mm}{dd}",  # 20210307
)

_FIELD_PATTERNS = {
    "Y": r"(?P<Y>\d{4})", "mm": r"(?P<m>\d{2})", "m": r"(?P<m>\d{1,2})", "dd": r"(?P<d>\d{2})",
    "d": r"(?P<d>\d{1,2})", "month": f"(?P<month>{'|'.join(MONTHS)})",
    "mon": f"(?P<mon>{'|'.join(m[:3] for m in MONTHS)})",
    "MON": f"(?P<MON>{'|'.join(m[:3].upper() for m in MONTHS)})", "wd": f"(?:{'|'.join(WEEKDAYS)})",
}
_PARSERS = tuple(
    re.compile("^" + re.sub(r"\\\{(\w+)\\\}", lambda f: _FIELD_PATTERNS[f.group(1)], re.escape(fmt)) + "$")
    for fmt in FORMATS
)


def write(date: dt.date, fmt: str) -> str:
    """`date` in one of `FORMATS`."""
    month = MONTHS[date.month - 1]
    return fmt.format(Y=f"{date.year:04d}", mm=f"{date.month:02d}", m=date.month, dd=f"{date.day:02d}",
                      d=date.day, month=month, mon=month[:3], MON=month[:3].upper(),
                      wd=WEEKDAYS[date.weekday()])


def readings(text: str) -> set[dt.date]:
    """Every date some format reads from `text` (31 February reads as none)."""
    found = set()
    for parser in _PARSERS:
        match = parser.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        if parts.get("m") is not None:
            month = int(parts["m"])
        else:
            name = parts.get("month") or parts.get("mon") or parts["MON"].title()
            month = [m[:3] for m in MONTHS].index(name[:3]) + 1
        try:
            found.add(dt.date(int(parts["Y"]), month, int(parts["d"])))
        except ValueError:
            continue
    return found


def parse(text: str) -> dt.date | None:
    """The one date a string in any of `FORMATS` names, or None."""
    found = readings(text)
    return found.pop() if len(found) == 1 else None


def random_pair(rng: np.random.Generator) -> tuple[str, str]:
    """A random date in 1950–2049 in a random format, and its ISO form."""
    date = dt.date.fromordinal(int(rng.integers(FIRST.toordinal(), LAST.toordinal() + 1)))
    return write(date, FORMATS[int(rng.integers(len(FORMATS)))]), date.isoformat()


def characters() -> str:
    """Every character any format can write, sorted."""
    sample = [write(dt.date(2000, m, 10 + m), fmt) for m in range(1, 13) for fmt in FORMATS]
    sample += [write(dt.date(2021, 3, d), "{wd}") for d in range(1, 8)]
    return "".join(sorted(set("".join(sample)) | set("0123456789")))


def longest() -> int:
    """The longest source any format writes."""
    date = dt.date(2000, 9, 27)  # September: the longest month name; a two-digit day
    return max(len(write(date, fmt)) for fmt in FORMATS)
