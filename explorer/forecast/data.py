"""A series from a CSV: one value column, an optional time column, gaps and missing values handled.

    table = read_series_table(data)                          # columns to choose from, or UploadError
    loaded = series_from_table(table, "load", time_column="date", missing="interpolate", name="grid.csv")
    loaded.series.array()                                    # (N,) float64
    loaded.notes                                             # what was found and done, for a person

A value cell is a number, or missing (empty, NA, NaN, null, -); anything else is an `UploadError`
naming its line and column. A time cell is a number or an ISO 8601 date ("2024-01-31",
"2024-01-31 12:00"); times must rise, and a repeated time is refused with both lines named.
A step between times longer than 1.5 times the usual one is a gap. `MISSING` says what is done
about missing values and gaps: refuse the file, drop them, or interpolate onto the regular grid.

No torch and no streamlit here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from explorer.textfile import Table, UploadError, read_csv

MIN_POINTS = 20  # fewer cannot be split into training, validation and test parts
MAX_POINTS = 10_000  # the rows read by default (a server's Limits.max_series_points); gaps filled too
MISSING_CELLS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "?"})
GAP = 1.5  # a step this many times the usual one (the median) is a gap


@dataclass(frozen=True)
class SeriesData:
    """One series, as bytes so a job spec carries it cheaply; jobs compare and cache it by `digest`
    (a hash of the numbers), never by its text."""

    name: str  # shown: the file and column, or the generator
    digest: str  # sha256 of values and times, 16 hex digits
    values: bytes = field(compare=False, repr=False)  # float64, (N,)
    times: bytes | None = field(default=None, compare=False, repr=False)  # float64 (N,): seconds or numbers
    time_kind: str = ""  # "" (none: the row index), "number", or "date" (seconds since 1970, UTC)

    @classmethod
    def of(cls, name: str, values: np.ndarray, times: np.ndarray | None = None,
           time_kind: str = "") -> SeriesData:
        raw = np.ascontiguousarray(values, dtype="<f8").tobytes()
        stamps = None if times is None else np.ascontiguousarray(times, dtype="<f8").tobytes()
        digest = hashlib.sha256(raw + (stamps or b"") + time_kind.encode()).hexdigest()[:16]
        return cls(name, digest, raw, stamps, time_kind)

    def array(self) -> np.ndarray:
        return np.frombuffer(self.values, dtype="<f8")

    def time_array(self) -> np.ndarray | None:
        return None if self.times is None else np.frombuffer(self.times, dtype="<f8")

    def __len__(self) -> int:
        return len(self.values) // 8


@dataclass(frozen=True)
class Loaded:
    series: SeriesData
    notes: tuple[str, ...]  # gaps and missing values found, and what was done about them


def read_series_table(data: bytes, max_points: int = MAX_POINTS) -> Table:
    """The CSV (comma, semicolon or tab separated, by its header) within explorer.textfile's bounds,
    at most `max_points` rows."""
    return read_csv(data, delimiter="auto", max_rows=max_points)


def series_from_table(table: Table, column: str, time_column: str | None = None, missing: str = "refuse",
                      name: str = "upload", max_points: int = MAX_POINTS) -> Loaded:
    """The value column (and time column) as a series; `missing` a key of `MISSING`."""
    if missing not in MISSING:
        raise UploadError(f"Unknown choice for missing values {missing!r}; choose one of "
                          f"{', '.join(MISSING)}.")
    values = _values(table, column)  # (N,) with NaN where missing
    times, kind = _times(table, time_column) if time_column else (None, "")
    if time_column == column:
        raise UploadError(f"Column {column!r} cannot be both the values and the times.")
    lines = np.asarray(table.lines)
    values, times, notes = MISSING[missing](values, times, lines, column, time_column or "")
    if len(values) < MIN_POINTS:
        raise UploadError(f"The series has {len(values)} value{'s' * (len(values) != 1)}; at least "
                          f"{MIN_POINTS} are needed to split it into training, validation and test parts.")
    if len(values) > max_points:
        raise UploadError(f"Filling the gaps would make {len(values):,} points; at most {max_points:,} are "
                          "used. Drop the gaps instead, or upload a coarser series.")
    label = f"{name}: {column}"
    return Loaded(SeriesData.of(label, values, times, kind), tuple(notes))


def _values(table: Table, column: str) -> np.ndarray:
    k = _column(table, column)
    values = np.empty(len(table.rows))
    for r, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        cell = row[k].strip()
        if cell.lower() in MISSING_CELLS:
            values[r] = math.nan
            continue
        try:
            values[r] = number = float(cell)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise UploadError(f"Line {line}, column {k + 1} ({column!r}): {_quoted(cell)} is not a number. "
                              "Write numbers with a dot (3.5), and leave a missing value empty.")
    return values


def _times(table: Table, column: str) -> tuple[np.ndarray, str]:
    k = _column(table, column)
    times, kinds = np.empty(len(table.rows)), set()
    for r, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        cell = row[k].strip()
        where = f"Line {line}, column {k + 1} ({column!r})"
        if not cell:
            raise UploadError(f"{where} is empty: every row needs its time.")
        times[r], kind = _time(cell, where)
        kinds.add(kind)
        if len(kinds) > 1:
            raise UploadError(f"{where}: {_quoted(cell)} is a {kind}, but the rows above hold "
                              f"{'dates' if kind == 'number' else 'numbers'}. Use one kind of time.")
        if r and times[r] == times[r - 1]:
            raise UploadError(f"Lines {table.lines[r - 1]} and {line} have the same time {_quoted(cell)} in "
                              f"column {column!r}: each time may appear once.")
        if r and times[r] < times[r - 1]:
            raise UploadError(f"{where}: {_quoted(cell)} comes before the time on line {table.lines[r - 1]}. "
                              "Sort the rows by time.")
    return times, kinds.pop()


def _time(cell: str, where: str) -> tuple[float, str]:
    try:
        number = float(cell)
    except ValueError:
        pass
    else:
        if math.isfinite(number):
            return number, "number"
        raise UploadError(f"{where}: {_quoted(cell)} is not a time.")
    try:
        stamp = datetime.fromisoformat(cell)
    except ValueError:
        raise UploadError(f"{where}: {_quoted(cell)} is not a time: write a number or an ISO 8601 date "
                          "such as 2024-01-31 or 2024-01-31 12:00.") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp(), "date"


def _column(table: Table, name: str) -> int:
    if name not in table.columns:
        raise UploadError(f"No column named {_quoted(name)}; the columns are {', '.join(table.columns)}.")
    return table.columns.index(name)


def _gaps(times: np.ndarray | None) -> tuple[float, np.ndarray]:
    """The usual step between times and the indices after which a gap opens."""
    if times is None or len(times) < 3:
        return 1.0, np.zeros(0, dtype=int)
    steps = np.diff(times)
    usual = float(np.median(steps))
    return usual, np.flatnonzero(steps > GAP * usual)


def _gap_note(times: np.ndarray, lines: np.ndarray, after: np.ndarray, usual: float, column: str) -> str:
    said = [f"line {lines[k]} to {lines[k + 1]} ({round((times[k + 1] - times[k]) / usual) - 1} steps "
            "missing)" for k in after[:3]]
    more = f" and {len(after) - 3} more" if len(after) > 3 else ""
    return f"{len(after)} gap{'s' * (len(after) != 1)} in {column!r}: {'; '.join(said)}{more}."


def _refuse(values, times, lines, column, time_column):
    where = np.flatnonzero(np.isnan(values))
    if len(where):
        raise UploadError(f"Line {lines[where[0]]}, column {column!r} has no value ({len(where)} missing "
                          "in all). Fill it in, or choose to drop or interpolate missing values.")
    usual, after = _gaps(times)
    if len(after):
        raise UploadError(f"{_gap_note(times, lines, after, usual, time_column)} Choose to drop or "
                          "interpolate them, or fill them in.")
    return values, times, []


def _drop(values, times, lines, column, time_column):
    keep = ~np.isnan(values)
    notes = [f"Dropped {int((~keep).sum())} rows with no value in {column!r} (first on line "
             f"{lines[~keep][0]})."] if not keep.all() else []
    values, lines = values[keep], lines[keep]
    times = None if times is None else times[keep]
    usual, after = _gaps(times)
    if len(after):
        notes.append(_gap_note(times, lines, after, usual, time_column) + " Read as if evenly spaced.")
    return values, times, notes


def _interpolate(values, times, lines, column, time_column):
    known = ~np.isnan(values)
    if not known.any():
        raise UploadError(f"Column {column!r} holds no numbers.")
    first, last = np.flatnonzero(known)[[0, -1]]
    notes = []
    if first or last < len(values) - 1:  # nothing to interpolate from at the ends
        notes.append(f"Dropped {first + len(values) - 1 - last} rows with no value at the start or end.")
    values, lines = values[first:last + 1], lines[first:last + 1]
    times = None if times is None else times[first:last + 1]
    filled = int(np.isnan(values).sum())
    if filled:
        notes.append(f"Interpolated {filled} missing values in {column!r} (first on line "
                     f"{lines[np.isnan(values)][0]}).")
    at = np.arange(len(values), dtype=float) if times is None else times
    known = ~np.isnan(values)
    values = np.interp(at, at[known], values[known])
    usual, after = _gaps(times)
    if len(after):
        grid = times[0] + usual * np.arange(round((times[-1] - times[0]) / usual) + 1)
        notes.append(_gap_note(times, lines, after, usual, time_column)
                     + f" Interpolated onto a regular grid of {len(grid):,} points.")
        values, times = np.interp(grid, times, values), grid
    return values, times, notes


# what to do about missing values and gaps: (values with NaN, times, lines, column, time column) ->
# (values, times, notes); the menu shows the keys
MISSING: dict[str, Callable] = {"refuse": _refuse, "drop": _drop, "interpolate": _interpolate}


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:29] + "…")
