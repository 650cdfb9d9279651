"""The compare view's server-rendered SVG: each bill's events on one time axis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from models import Document

WIDTH = 760
ROW = 34
LEFT = 150
RIGHT = 20
TOP = 30


@dataclass(frozen=True)
class Row:
    label: str
    dates: list[date]


def rows(bills: list[Document]) -> list[Row]:
    return [
        Row(
            bill.reference or bill.title[:24], [e.occurred_on for e in bill.events if e.occurred_on]
        )
        for bill in bills
    ]


def _x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT)


def _row_svg(index: int, row: Row, first: date, last: date) -> str:
    y = TOP + index * ROW
    points = " ".join(f"{_x(day, first, last):.1f},{y}" for day in sorted(row.dates))
    dots = "".join(
        f'<circle cx="{_x(day, first, last):.1f}" cy="{y}" r="4"><title>{day}</title></circle>'
        for day in row.dates
    )
    label = f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{escape(row.label)}</text>'
    return f'{label}<polyline points="{points}" fill="none" stroke="#35a"/>{dots}'


def progress_chart(bills: list[Document]) -> Markup:
    """An SVG of the bills' events over time; an empty chart says so."""
    data = [row for row in rows(bills) if row.dates]
    if not data:
        return Markup('<p class="empty">No dated events to chart.</p>')
    every = [day for row in data for day in row.dates]
    first, last = min(every), max(every)
    height = TOP + len(data) * ROW
    body = "".join(_row_svg(index, row, first, last) for index, row in enumerate(data))
    axis = (
        f'<text x="{LEFT}" y="16">{first}</text>'
        f'<text x="{WIDTH - RIGHT}" y="16" text-anchor="end">{last}</text>'
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="Progress of the bills over time">{axis}{body}</svg>'
    )


def stage_table(bills: list[Document]) -> list[tuple[str, list[date | None]]]:
    """Stage names (in first-seen order) against each bill's date for that stage."""
    stages: dict[str, None] = {}
    for bill in bills:
        stages.update((event.stage, None) for event in bill.events)
    return [(stage, [_first_date(bill, stage) for bill in bills]) for stage in stages]


def _first_date(bill: Document, stage: str) -> date | None:
    return next((e.occurred_on for e in bill.events if e.stage == stage), None)
