"""The common vocabulary: jurisdictions, document and source kinds, alert frequencies, and the
stage categories and bill outcomes every jurisdiction maps onto.

Each is a StrEnum, so a member is the very string stored (`Jurisdiction.US == "us"`); the
tuples and labels everything else offers (CLI choices, forms, API enums, query filters) come
from here.

Stages stay stored as each source states them; the category goes in `stage_category` so
alerts, filters and compare can line five parliaments up. `docs/stages.md` says which source
wording and codes map to each category.

The second chamber means the same everywhere: `other_chamber` is the bill arriving in the
chamber that did not originate it (US "Received in the Senate", a UK bill's first reading in the
other House, a Canadian bill's first reading in the other chamber), and `passed_both` is that
chamber passing it (or the originating chamber agreeing to its amendments). Readings and
committee work in the second chamber keep their own categories with the event's chamber.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


def values(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The plain strings, in order: what click.Choice, messages and JSON want (a click.Choice
    of members would match their names, "US")."""
    return tuple(member.value for member in vocabulary)


class Jurisdiction(StrEnum):
    US = "us"
    UK = "uk"
    CA = "ca"
    AU = "au"
    NZ = "nz"


JURISDICTIONS = values(Jurisdiction)
JURISDICTION_LABELS: dict[str, str] = {
    Jurisdiction.US: "United States",
    Jurisdiction.UK: "United Kingdom",
    Jurisdiction.CA: "Canada",
    Jurisdiction.AU: "Australia",
    Jurisdiction.NZ: "New Zealand",
}


class DocumentKind(StrEnum):
    """What a document is (`Document.kind`, the query language's `type:`)."""

    BILL = "bill"
    STATEMENT = "statement"


DOCUMENT_KINDS = values(DocumentKind)
# Plural: the heading over a group of them.
DOCUMENT_KIND_LABELS: dict[str, str] = {
    DocumentKind.BILL: "Bills",
    DocumentKind.STATEMENT: "Statements",
}


class SourceKind(StrEnum):
    """What a source publishes (`Source.kind`, a spider's `kind`)."""

    BILLS = "bills"
    STATEMENTS = "statements"


class Frequency(StrEnum):
    """How often a subscription's alerts are sent: each at once, or in a digest."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


FREQUENCIES = values(Frequency)


class StageCategory(StrEnum):
    """In the order a bill moves."""

    INTRODUCED = "introduced"
    FIRST_READING = "first_reading"
    COMMITTEE = "committee"
    REPORT = "report"
    SECOND_READING = "second_reading"
    THIRD_READING = "third_reading"
    OTHER_CHAMBER = "other_chamber"
    AMENDMENTS = "amendments"
    PASSED_BOTH = "passed_both"
    ADOPTED = "adopted"
    PRESENTED = "presented"
    ASSENT = "assent"
    VETOED = "vetoed"
    VETO_OVERRIDE = "veto_override"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"
    DEFEATED = "defeated"


STAGES = values(StageCategory)
# What people read.
STAGE_LABELS: dict[str, str] = {
    StageCategory.INTRODUCED: "Introduced",
    StageCategory.FIRST_READING: "First reading",
    StageCategory.COMMITTEE: "Committee",
    StageCategory.REPORT: "Reported / report stage",
    StageCategory.SECOND_READING: "Second reading",
    StageCategory.THIRD_READING: "Passed first chamber",
    StageCategory.OTHER_CHAMBER: "In the second chamber",
    StageCategory.AMENDMENTS: "Amendments between chambers",
    StageCategory.PASSED_BOTH: "Passed both chambers",
    StageCategory.ADOPTED: "Adopted (resolution)",
    StageCategory.PRESENTED: "Presented for assent",
    StageCategory.ASSENT: "Assent / enacted",
    StageCategory.VETOED: "Vetoed",
    StageCategory.VETO_OVERRIDE: "Veto override vote passed",
    StageCategory.WITHDRAWN: "Withdrawn",
    StageCategory.LAPSED: "Lapsed",
    StageCategory.DEFEATED: "Defeated",
}


class Outcome(StrEnum):
    """A bill's outcome: where it stands for good, or still moving (ACTIVE)."""

    ACTIVE = "active"
    ENACTED = "enacted"
    ADOPTED = "adopted"
    VETOED = "vetoed"
    DEFEATED = "defeated"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


ACTIVE = Outcome.ACTIVE
OUTCOMES = values(Outcome)
OUTCOME_LABELS: dict[str, str] = {outcome: outcome.capitalize() for outcome in Outcome}


def jurisdiction_label(code: str) -> str:
    return JURISDICTION_LABELS.get(code, code.upper())


def document_kind_label(kind: str) -> str:
    return DOCUMENT_KIND_LABELS.get(kind, kind.capitalize())


def stage_label(category: str) -> str:
    return STAGE_LABELS.get(category, category.replace("_", " ").capitalize())


def status_line(outcome: str, outcome_on: date | None, status: str = "") -> str:
    """What a bill's status says, badge first: "Lapsed — session 44-1 prorogued 2025-01-06".

    `status` is the source's own words (a law number, how the session ended); the outcome's
    label leads unless those words already start with it, and its date follows unless they
    already hold it. A still active bill says its status as stated; a statement (no outcome)
    says nothing.
    """
    if not outcome:
        return ""
    if outcome == ACTIVE:
        return status or OUTCOME_LABELS[ACTIVE]
    label = OUTCOME_LABELS.get(outcome, outcome.capitalize())
    line = status if status.casefold().startswith(label.casefold()) else ""
    if not line:
        line = f"{label} — {status}" if status else label
    day = outcome_on.isoformat() if outcome_on else ""
    return f"{line} ({day})" if day and day not in line else line
