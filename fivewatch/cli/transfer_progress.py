"""Export's and import's live progress (one bar per table, with its rows so far) and the
one-screen summary they end with: rows per table, then where from and to and the time taken."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from fivewatch.transfer import Progress as ProgressCallback


class TableBars:
    """The transfer's progress callback: a bar per table, added when the transfer reaches it."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, table: str, done: int, total: int) -> None:
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(table, total=total)
        self.progress.update(self.tasks[table], completed=done, total=max(total, done))


@contextmanager
def table_progress(console: Console) -> Iterator[ProgressCallback]:
    """A live display on `console` while the body transfers; none when it is not a terminal
    (a log file gets the summary only). Transient: the summary replaces it."""
    columns = (TextColumn("{task.description:<18}"), BarColumn(bar_width=30), MofNCompleteColumn())
    live = Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
    with live:
        yield TableBars(live)


def summary(
    rows: Mapping[str, int], line: str, skipped: Mapping[str, int] | None = None
) -> RenderableType:
    """Rows per table (tables with none left out) and their total, then `line` (what was done,
    where from and to, the time taken); `skipped` adds import's column of rows left out."""
    table = Table()
    table.add_column("table", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    if skipped is not None:
        table.add_column("skipped", justify="right", no_wrap=True)
    for name in [name for name in rows if rows[name] or (skipped and skipped.get(name))]:
        table.add_row(name, str(rows[name]), *_skipped(skipped, name))
    table.add_section()
    totals = {"total": sum(skipped.values())} if skipped is not None else None
    table.add_row("total", str(sum(rows.values())), *_skipped(totals, "total"))
    return Group(table, Text(line))


def _skipped(skipped: Mapping[str, int] | None, name: str) -> list[str]:
    return [] if skipped is None else [str(skipped.get(name, 0))]
