"""fivewatch.csv_text: a cell a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

import pytest

from fivewatch.csv_text import csv_text


# SYNTHETIC: the starts OWASP lists for CSV injection.
@pytest.mark.parametrize(
    "subject", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2", '=cmd|"/c calc"!A1']
)
def test_a_formula_like_text_cell_is_kept_as_text(subject: str) -> None:
    written = csv_text([{"id": 1, "subject": subject}], ("id", "subject"))
    (header, row) = list(csv.reader(io.StringIO(written)))
    assert header == ["id", "subject"]
    assert row == ["1", "'" + subject]


def test_plain_text_and_numbers_are_unchanged() -> None:
    rows = [{"alerts": -1, "subject": "2 new alerts: C-63 = Online Harms Act", "extra": "x"}]
    written = csv_text(rows, ("subject", "alerts"))
    assert list(csv.reader(io.StringIO(written))) == [
        ["subject", "alerts"],
        ["2 new alerts: C-63 = Online Harms Act", "-1"],
    ]
