"""Rows as people read them, within the terminal's width: a table when every column can keep
its longest word whole (a URL may fold), else one record per row (field names down the left,
values wrapped to the right), as psql's expanded display does. Never wider than the width."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

Cells = Sequence[str]
LONG_WORD = 30  # a word longer than this (a URL, mostly) may fold across lines


def grid(columns: Sequence[str], rows: Sequence[Cells], title: str) -> Table:
    """The table: every cell word-wrapped, a word longer than its column folded."""
    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def records(columns: Sequence[str], rows: Sequence[Cells], title: str) -> Group:
    """One block per row: each field that has a value, its name then its wrapped value."""
    blocks: list[RenderableType] = [Text(title, style="bold")] if title else []
    for row in rows:
        block = Table.grid(padding=(0, 2))
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for column, cell in zip(columns, row, strict=True):
            if cell:
                block.add_row(column.replace("_", " "), cell)
        blocks += [Text(""), block] if blocks else [block]
    return Group(*blocks)


def narrowest(columns: Sequence[str], rows: Sequence[Cells]) -> int:
    """The table's least width that keeps every word whole, but for words past LONG_WORD
    (a URL), which may fold; each column adds its padding and a border."""
    words = [
        max(len(word) for cell in (column, *(row[i] for row in rows)) for word in cell.split())
        for i, column in enumerate(columns)
    ]
    return sum(min(word, LONG_WORD) + 3 for word in words) + 1


def fitted(width: int, columns: Sequence[str], rows: Sequence[Cells], title: str) -> RenderableType:
    """The table when it fits `width` with no word cut but a long one, else the records."""
    if narrowest(columns, rows) <= width:
        return grid(columns, rows, title)
    return records(columns, rows, title)
