"""Uploaded text and CSV: good files read as they are; the fuzz suite (test_fuzz_uploads) tries bad ones."""

import numpy as np
import pytest

from explorer.textfile import UploadError, read_csv, read_text


def test_text_loses_its_byte_order_mark_and_windows_newlines():
    assert read_text("\ufeffhello\r\nwörld\r\n".encode()) == "hello\nwörld\n"


def test_a_csv_reads_as_named_columns_and_numbers_skipping_blank_lines():
    table = read_csv(b"x, y\n1,2\n\n3,-4.5\n")
    assert table.columns == ("x", "y") and table.lines == (2, 4)
    np.testing.assert_array_equal(table.numbers(), [[1, 2], [3, -4.5]])
    np.testing.assert_array_equal(table.numbers(["y"]), [[2], [-4.5]])


def test_a_quoted_cell_may_hold_the_delimiter_and_a_line_break():
    table = read_csv(b'name,text\na,"one, two"\nb,"three\nfour"\nc,five\n')
    assert table.rows[1] == ("b", "three\nfour") and table.lines == (2, 3, 5)


def test_messages_name_the_line_and_column():
    with pytest.raises(UploadError, match=r"Line 3, column 2 \('y'\): 'x' is not a finite number"):
        read_csv(b"x,y\n1,2\n3,x\n").numbers()
    with pytest.raises(UploadError, match="Line 3 has 3 cells; the header has 2 columns"):
        read_csv(b"x,y\n1,2\n3,4,5\n")
