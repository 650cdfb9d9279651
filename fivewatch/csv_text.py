"""CSV that a spreadsheet opens as data: a cell that starts like a formula is kept as text.

A subject or title comes from a parliament's page or a reader's form; opened in Excel or
LibreOffice, a cell starting with = + - @ (or a tab or carriage return, which some strip
first) runs as a formula. OWASP's advice is followed: such a cell gets a leading apostrophe,
which spreadsheets read as "text" and a script can strip. Numbers are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value`, with an apostrophe before a text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A header of `columns`, then one line per row, every text cell spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: spreadsheet_safe(row.get(column)) for column in columns})
    return buffer.getvalue()
