"""Uploaded text and CSV, read within fixed bounds; `UploadError`, which every upload reader raises.

Each check runs before the next costs anything: the size before decoding, UTF-8 and
binary bytes before splitting, the row and column counts while the rows arrive (a
file with a million rows stops at the first one past the limit). Messages name the
line and column, and say what is accepted::

    text = read_text(data, max_bytes=2**20)                   # str, or UploadError
    table = read_csv(data, max_rows=1000, max_columns=20)      # Table(columns, rows)
    values = table.numbers()                                   # (rows, columns) float64

No torch and no streamlit here: a page catches `UploadError` and shows its text.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np

MAX_TEXT_BYTES = 2**20  # 1 MB of text: a typed sequence, a vocabulary, a corpus excerpt
MAX_ROWS, MAX_COLUMNS, MAX_CELL_CHARS = 10_000, 100, 1000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # bytes no text file holds (tab, newlines allowed)
DELIMITERS = (",", ";", "\t")  # what delimiter="auto" picks from, by the header line


class UploadError(ValueError):
    """The upload cannot be used; the message says why and what is accepted."""


def read_text(data: bytes, *, max_bytes: int = MAX_TEXT_BYTES, max_lines: int | None = None) -> str:
    """The bytes as text: not empty, at most `max_bytes`, UTF-8 (a byte-order mark is dropped),
    no binary bytes, at most `max_lines` lines. Newlines come back as '\\n'."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the file's bytes (got a {type(data).__name__}).")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UploadError(f"The file has {len(data):,} bytes; text files up to {max_bytes:,} bytes "
                          f"({_size(max_bytes)}) are read.")
    if (zero := data.find(0)) >= 0:
        raise UploadError(f"This is not a text file: line {_line_of(data, zero)} holds a zero byte, as "
                          "binary files do. Upload plain text saved as UTF-8.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise UploadError(f"Line {_line_of(data, bad.start)} is not UTF-8 text (byte 0x{data[bad.start]:02x} "
                          "there). Save the file as UTF-8 and upload it again.") from None
    if control := CONTROL.search(text):
        line = text.count("\n", 0, control.start()) + 1
        raise UploadError(f"This is not a plain text file: line {line} holds the control character "
                          f"U+{ord(control.group()):04X}. Upload plain text saved as UTF-8.")
    if not text.strip():
        raise UploadError("The file is empty: it holds no text." if not data else
                          "The file holds only spaces and blank lines.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if max_lines is not None and text.count("\n") + (not text.endswith("\n")) > max_lines:
        raise UploadError(f"The file has more than {max_lines:,} lines; at most {max_lines:,} are read.")
    return text


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # the header row's names
    rows: tuple[tuple[str, ...], ...]  # the cells of every data row, as text
    lines: tuple[int, ...]  # the file line each row starts on, for messages

    def numbers(self, columns: list[str] | None = None) -> np.ndarray:
        """The chosen columns (default: all) as finite float64 numbers, (rows, columns); an
        UploadError naming the line and column of the first cell that is not one."""
        names = list(self.columns) if columns is None else list(columns)
        unknown = [name for name in names if name not in self.columns]
        if unknown:
            raise UploadError(f"No column named {unknown[0]!r}; the columns are {', '.join(self.columns)}.")
        picks = [self.columns.index(name) for name in names]
        values = np.empty((len(self.rows), len(picks)))
        for r, (row, line) in enumerate(zip(self.rows, self.lines, strict=True)):
            for c, k in enumerate(picks):
                try:
                    values[r, c] = number = float(row[k])
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    raise UploadError(f"Line {line}, column {k + 1} ({self.columns[k]!r}): "
                                      f"{_quoted(row[k])} is not a finite number.")
        return values


def read_csv(data: bytes, *, max_bytes: int = MAX_TEXT_BYTES, max_rows: int = MAX_ROWS,
             max_columns: int = MAX_COLUMNS, max_cell_chars: int = MAX_CELL_CHARS,
             delimiter: str = ",") -> Table:
    """A CSV file with a header row, read as text (`read_text`'s checks), then row by row: at most
    `max_columns` named columns, every row as many cells as the header, at most `max_rows` rows
    and `max_cell_chars` characters per cell. Blank lines are skipped. `delimiter="auto"`: the one
    of `DELIMITERS` the header uses most; a row that uses another one is named."""
    text = read_text(data, max_bytes=max_bytes)
    if delimiter == "auto":
        delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    header: tuple[str, ...] | None = None
    ended = 0  # the line the last row ended on: a quoted cell may span lines
    try:
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            _check_cells(cells, line, max_cell_chars)
            if header is None:
                header = _header(cells, max_columns)
                continue
            if len(cells) != len(header):
                hint = _other(cells, delimiter)
                raise UploadError(f"Line {line} has {len(cells)} cell{'s' * (len(cells) != 1)}; the header "
                                  f"has {len(header)} columns ({', '.join(header)}).{hint}")
            if len(rows) == max_rows:
                raise UploadError(f"The file has more than {max_rows:,} rows; at most {max_rows:,} are read.")
            rows.append(tuple(cells))
            lines.append(line)
    except csv.Error as bad:
        raise UploadError(f"Line {reader.line_num} is not valid CSV ({bad}). Quote cells that hold the "
                          f"delimiter {delimiter!r} or line breaks.") from None
    if header is None:
        raise UploadError("The file holds no rows.")
    if not rows:
        raise UploadError(f"The file has a header ({', '.join(header)}) but no rows of data under it.")
    return Table(header, tuple(rows), tuple(lines))


def _sniff(text: str) -> str:
    """The delimiter of the first non-blank line (the header): the one of DELIMITERS it holds most."""
    first = next(line for line in text.split("\n") if line.strip())
    return max(DELIMITERS, key=first.count)


def _other(cells: list[str], delimiter: str) -> str:
    """A hint when a short row holds another delimiter: the file mixes separators."""
    other = next((d for d in DELIMITERS if d != delimiter and any(d in cell for cell in cells)), None)
    return "" if other is None else (f" It separates cells with {other!r} where the header uses "
                                     f"{delimiter!r}: use one separator throughout.")


def _header(cells: list[str], max_columns: int) -> tuple[str, ...]:
    names = tuple(cell.strip() for cell in cells)
    if len(names) > max_columns:
        raise UploadError(f"The header has {len(names):,} columns; at most {max_columns} are read.")
    for k, name in enumerate(names):
        if not name:
            raise UploadError(f"Column {k + 1} of the header has no name: the first row must name every "
                              "column.")
        if name in names[:k]:
            raise UploadError(f"Two columns are named {_quoted(name)} (columns {names.index(name) + 1} and "
                              f"{k + 1}); every column needs its own name.")
    return names


def _check_cells(cells: list[str], line: int, max_chars: int) -> None:
    for k, cell in enumerate(cells):
        if len(cell) > max_chars:
            raise UploadError(f"Line {line}, column {k + 1} holds {len(cell):,} characters; at most "
                              f"{max_chars:,} per cell are read.")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:29] + "…")


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB" if n >= 2**10 else f"{n} bytes"
