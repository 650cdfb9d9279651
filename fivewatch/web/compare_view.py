"""The compare view's table: one row per common stage step (models.bill_status.PROGRESS_STEPS),
one column per bill, so CA "First reading" and UK "1st reading" share a row; and its CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fivewatch.web import queries
from models import BillEvent, Document
from models.bill_status import (
    PROGRESS_STEPS,
    BillStatus,
    Step,
    bill_status,
    first_events,
    newest_sessions,
)


@dataclass(frozen=True)
class Column:
    bill: Document
    status: BillStatus

    @property
    def name(self) -> str:
        """ "CA C-63 (44-1)": what the header, legend and CSV call the bill."""
        reference = self.bill.reference or f"#{self.bill.id}"
        session = f" ({self.bill.session})" if self.bill.session else ""
        return f"{self.bill.jurisdiction.upper()} {reference}{session}"


def compare_columns(session: Session, topic: str, on_topic: bool) -> list[Column]:
    """The bills compare shows (queries.bills_on_topic), each with its status."""
    newest = newest_sessions(session)
    bills = queries.bills_on_topic(session, topic, on_topic=on_topic)
    return [Column(bill, bill_status(bill, newest)) for bill in bills]


@dataclass(frozen=True)
class Row:
    step: Step
    cells: list[BillEvent | None]  # each bill's first event of the step


def aligned_rows(columns: list[Column]) -> list[Row]:
    """The steps any of the bills reached, in order, each bill's first event of it."""
    firsts = [first_events(column.bill.events) for column in columns]
    rows = [Row(step, [found.get(step.key) for found in firsts]) for step in PROGRESS_STEPS]
    return [row for row in rows if any(row.cells)]


def _cell(event: BillEvent | None) -> str:
    return event.occurred_on.isoformat() if event and event.occurred_on else ""


def compare_csv(columns: list[Column], rows: list[Row]) -> str:
    """The aligned table: a status row, then each step's date per bill (ISO, blank: not
    reached or undated); the header names each bill and gives its title."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "stage", *(f"{c.name} {c.bill.title}" for c in columns)])
    writer.writerow(["status", "Status", *(column.status.outcome for column in columns)])
    for row in rows:
        writer.writerow([row.step.key, row.step.label, *(_cell(cell) for cell in row.cells)])
    return out.getvalue()
