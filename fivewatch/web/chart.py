"""The compare view's server-rendered SVG: how far and how fast each bill went.

Stage steps (models.bill_status.PROGRESS_STEPS) run up the vertical axis, days since the bill's
first dated step along the horizontal one, so bills of different years line up. Each bill is a
coloured line through the first day it reached each step; every point has a <title>, the SVG
a <title> and <desc>, and the page lists the same facts as text and in the aligned table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from fivewatch.web.compare_view import Column
from models.bill_status import PROGRESS_STEPS, first_events

WIDTH = 760
LEFT = 190  # room for the longest step label
RIGHT = 24
TOP = 16
ROW = 26
BOTTOM = 44  # tick labels and the axis title
# Distinguishable colours (Okabe-Ito, then darker tones), one per bill, in column order.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
           "#7a4b00", "#1b6e2d", "#8a0018", "#14325c", "#666666")  # fmt: skip
TICKS = (7, 14, 30, 60, 90, 180, 365, 730, 1461)


@dataclass(frozen=True)
class Point:
    day: int  # since the bill's first dated step
    step: int  # index in PROGRESS_STEPS
    on: date
    label: str


@dataclass(frozen=True)
class Line:
    column: Column
    colour: str
    points: list[Point]

    @property
    def text(self) -> str:
        """The line in words: its text alternative."""
        last = self.points[-1]
        return f"{self.column.name}: reached {last.label} on day {last.day} ({last.on})"


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def _points(column: Column) -> list[Point]:
    firsts = first_events(column.bill.events)
    dated = [
        (on, index, step.label)
        for index, step in enumerate(PROGRESS_STEPS)
        if step.key in firsts and (on := firsts[step.key].occurred_on) is not None
    ]
    start = min((on for on, _, _ in dated), default=None)
    if start is None:
        return []
    return sorted(
        (Point((on - start).days, index, on, label) for on, index, label in dated),
        key=lambda point: (point.day, point.step),
    )


def lines(columns: list[Column]) -> list[Line]:
    """Each bill with a dated step, in column order (its colour is its column's)."""
    found = [Line(column, colour(i), _points(column)) for i, column in enumerate(columns)]
    return [line for line in found if line.points]


def _tick_step(span: int) -> int:
    return next((tick for tick in TICKS if span / tick <= 6), TICKS[-1])


def _x(day: int, span: int) -> float:
    return LEFT + day / span * (WIDTH - LEFT - RIGHT)


def _y(step: int) -> float:
    return TOP + (len(PROGRESS_STEPS) - 1 - step) * ROW + ROW / 2


def _axes(span: int, bottom: float) -> str:
    rows = "".join(
        f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(i)}" y2="{_y(i)}"/>'
        f'<text class="step-label" x="{LEFT - 8}" y="{_y(i) + 4}" text-anchor="end">'
        f"{escape(step.label)}</text>"
        for i, step in enumerate(PROGRESS_STEPS)
    )
    every = _tick_step(span)
    ticks = "".join(
        f'<text class="tick" x="{_x(day, span):.1f}" y="{bottom + 16}" text-anchor="middle">'
        f"{day}</text>"
        for day in range(0, span + 1, every)
    )
    title = (
        f'<text class="axis-title" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{bottom + 36}" '
        f'text-anchor="middle">Days since the bill\'s first stage</text>'
    )
    axis = f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>'
    return rows + axis + ticks + title


def _line_svg(line: Line, span: int) -> str:
    coords = " ".join(f"{_x(p.day, span):.1f},{_y(p.step)}" for p in line.points)
    name = escape(line.column.name)
    dots = "".join(
        f'<circle cx="{_x(p.day, span):.1f}" cy="{_y(p.step)}" r="5" fill="{line.colour}">'
        f"<title>{name}: {escape(p.label)}, {p.on} (day {p.day})</title></circle>"
        for p in line.points
    )
    path = f'<polyline points="{coords}" fill="none" stroke="{line.colour}" stroke-width="2"/>'
    return f'<g class="bill-line">{path}{dots}</g>'


def progress_chart(drawn: list[Line]) -> Markup:
    """The SVG of `lines(...)`; an empty chart says so."""
    if not drawn:
        return Markup('<p class="empty">No dated stages to chart.</p>')
    span = max(max(p.day for p in line.points) for line in drawn) or 1
    bottom = TOP + len(PROGRESS_STEPS) * ROW
    body = "".join(_line_svg(line, span) for line in drawn)
    described = escape("; ".join(line.text for line in drawn))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart progress-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {bottom + BOTTOM}" aria-labelledby="chart-title chart-desc">'
        f'<title id="chart-title">How far and how fast each bill went</title>'
        f'<desc id="chart-desc">{described}</desc>{_axes(span, bottom)}{body}</svg>'
    )
