"""A series from a CSV (explorer.forecast.data): good files read; bad ones refused, naming line and column."""

from __future__ import annotations

from datetime import date, timedelta

import fuzz
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.forecast.data import MIN_POINTS, read_series_table, series_from_table
from explorer.textfile import UploadError


def csv(rows: list[str], header: str = "date,load") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def days(n: int, skip: tuple[int, ...] = ()) -> list[str]:
    """n rows 'date,value', a day apart from 2024-01-01, the days in `skip` left out."""
    return [f"{date(2024, 1, 1) + timedelta(days=d)},{d * 0.5}" for d in range(n) if d not in skip]


def load(data: bytes, column: str = "load", time_column: str | None = "date", missing: str = "refuse"):
    return series_from_table(read_series_table(data), column, time_column, missing, name="f.csv")


def refused(data: bytes, **kwargs) -> str:
    with pytest.raises(UploadError) as info:
        load(data, **kwargs)
    return str(info.value)


def test_a_good_file_reads_values_and_dates():
    loaded = load(csv(days(25)))
    np.testing.assert_allclose(loaded.series.array(), np.arange(25) * 0.5)
    steps = np.diff(loaded.series.time_array())
    assert loaded.series.time_kind == "date" and np.all(steps == 86_400)
    assert loaded.notes == () and loaded.series.name == "f.csv: load"


def test_same_numbers_same_digest_other_numbers_another():
    a, b = load(csv(days(25))).series, load(csv(days(25))).series
    c = load(csv(days(24) + ["2024-01-25,99"])).series
    assert a == b and hash(a) == hash(b) and a.digest == b.digest
    assert a != c


def test_a_missing_column_names_the_columns():
    message = refused(csv(days(25)), column="price")
    assert "No column named 'price'" in message and "date, load" in message


def test_text_in_numbers_names_line_and_column():
    rows = days(25)
    rows[6] = "2024-01-07,12,5"  # a decimal comma splits the cell
    assert "Line 8 has 3 cells; the header has 2 columns" in refused(csv(rows))
    rows[6] = "2024-01-07,twelve"
    message = refused(csv(rows))
    assert message.startswith("Line 8, column 2 ('load'): 'twelve' is not a number")


def test_an_empty_file_and_a_header_alone():
    assert "The file is empty" in refused(b"")
    assert "has a header (date, load) but no rows" in refused(b"date,load\n")


def test_one_row_is_too_short_to_split():
    message = refused(csv(days(1)))
    assert f"The series has 1 value; at least {MIN_POINTS} are needed" in message


def test_ten_megabytes_are_refused_before_reading():
    big = csv(days(25)) + b"2025-01-01,1.0\n" * (10 * 2**20 // 15)
    assert len(big) > 10 * 2**20
    assert "text files up to 1,048,576 bytes (1.0 MB) are read" in refused(big)


def test_mixed_separators_name_the_line():
    rows = days(25)
    rows[3] = "2024-01-04;1.5"
    message = refused(csv(rows))
    assert message.startswith("Line 5 has 1 cell") and "separates cells with ';'" in message


def test_semicolons_and_tabs_throughout_are_read():
    for sep in (";", "\t"):
        data = csv([row.replace(",", sep) for row in days(25)], header=f"date{sep}load")
        assert len(load(data).series) == 25


def test_duplicated_timestamps_name_both_lines():
    rows = days(25)
    rows[10] = rows[9].split(",")[0] + ",3"
    assert refused(csv(rows)) == ("Lines 11 and 12 have the same time '2024-01-10' in column 'date': "
                                  "each time may appear once.")


def test_times_that_go_back_or_do_not_parse():
    rows = days(25)
    rows[4], rows[5] = rows[5], rows[4]
    assert "Line 7, column 1 ('date'): '2024-01-05' comes before the time on line 6" in refused(csv(rows))
    rows = days(25)
    rows[2] = "yesterday,1"
    assert "Line 4, column 1 ('date'): 'yesterday' is not a time" in refused(csv(rows))


def test_missing_values_refused_dropped_or_interpolated():
    rows = days(25)
    rows[5] = "2024-01-06,"
    rows[6] = "2024-01-07,NA"
    assert "Line 7, column 'load' has no value (2 missing in all)" in refused(csv(rows))
    dropped = load(csv(rows), missing="drop")
    assert len(dropped.series) == 23
    assert "Dropped 2 rows with no value in 'load' (first on line 7)" in dropped.notes[0]
    filled = load(csv(rows), missing="interpolate")
    np.testing.assert_allclose(filled.series.array(), np.arange(25) * 0.5)  # a straight line, filled back in
    assert "Interpolated 2 missing values" in filled.notes[0]


def test_gaps_in_time_refused_or_filled_on_the_grid():
    rows = days(30, skip=(10, 11, 12))
    message = refused(csv(rows))
    assert message.startswith("1 gap in 'date': line 11 to 12 (3 steps missing)")
    filled = load(csv(rows), missing="interpolate")
    np.testing.assert_allclose(filled.series.array(), np.arange(30) * 0.5)
    assert np.all(np.diff(filled.series.time_array()) == 86_400)
    dropped = load(csv(rows), missing="drop")
    assert len(dropped.series) == 27 and "Read as if evenly spaced" in dropped.notes[0]


def test_without_a_time_column_the_row_order_is_time():
    loaded = load(csv([f"{k}" for k in range(30)], header="load"), time_column=None)
    assert loaded.series.time_array() is None and len(loaded.series) == 30


CELLS = st.sampled_from(["", "NA", "nan", "1.5", "-2", "1e3", "inf", "abc", "3,5", "2024-01-0", "12:00",
                         "2024-02-30", "1;2", "\t", '"7"', "0x10", "١٢"])


@fuzz.PROFILE
@given(times=st.lists(st.integers(0, 60) | CELLS, min_size=0, max_size=40),
       values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32) | CELLS, max_size=40),
       missing=st.sampled_from(["refuse", "drop", "interpolate"]), with_time=st.booleans())
def test_any_series_file_reads_or_says_why(times, values, missing, with_time):
    """Rows of hostile cells: a series of finite numbers, at least MIN_POINTS of them, or an UploadError
    that a person can read; never another exception."""
    rows = [f"{t},{v}" for t, v in zip(times, values, strict=False)]
    with fuzz.bounded():
        try:
            loaded = load(csv(rows, header="t,v"), column="v", time_column="t" if with_time else None,
                          missing=missing)
        except UploadError as refused:
            fuzz.assert_clear(str(refused))
        else:
            assert len(loaded.series) >= MIN_POINTS and np.isfinite(loaded.series.array()).all()
    fuzz.tried("uploads, series CSV")


def test_a_servers_series_limit_bounds_the_rows_and_the_filled_grid():
    assert "more than 25 rows; at most 25 are read" in str(pytest.raises(
        UploadError, read_series_table, csv(days(30)), max_points=25).value)
    gappy = read_series_table(csv(days(30, skip=(10, 11, 12))), max_points=30)
    with pytest.raises(UploadError, match="Filling the gaps would make 30 points; at most 28 are used"):
        series_from_table(gappy, "load", "date", "interpolate", max_points=28)
