"""The normalised records every source produces and the store accepts.

Crawlers build these (as their items); `models.store` turns them into rows. They are plain
dataclasses so spiders stay free of the ORM and the store free of Scrapy.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from models.text import fold
from models.vocabulary import DocumentKind, Jurisdiction

BILL = DocumentKind.BILL
STATEMENT = DocumentKind.STATEMENT


@dataclass
class EventRecord:
    """One step of a bill's history as the source states it."""

    stage: str
    occurred_on: date | None
    chamber: str = ""
    description: str = ""
    stage_category: str = ""
    occurred_at: datetime | None = None
    key: str = ""  # the source's own id for the event, when it has one
    stage_alt: str = ""  # the stage in the other official language (Canada: French)
    # True when the source's stage wording or code is one no map knows: kept as stated with no
    # category and counted per crawl (never silent). False for wording that carries no stage.
    unmapped: bool = False

    def stable_key(self) -> str:
        """The source's id, else a hash of what the event says (same text, same key)."""
        if self.key:
            return self.key
        said = "|".join([str(self.occurred_on or ""), self.chamber, self.stage, self.description])
        return "h:" + hashlib.sha256(said.encode("utf-8")).hexdigest()[:32]


@dataclass
class DocumentRecord:
    """One bill or statement, normalised."""

    source: str  # Source.slug
    external_id: str
    kind: str  # BILL | STATEMENT
    jurisdiction: str  # us | uk | ca | au | nz
    title: str
    url: str = ""
    reference: str = ""
    title_alt: str = ""
    session: str = ""
    summary: str = ""
    summary_alt: str = ""  # the summary in the other official language (Canada: French)
    body_text: str = ""
    body_html: str = ""
    language: str = "en"
    published_on: date | None = None
    source_updated_at: datetime | None = None
    current_stage: str = ""
    stage_category: str = ""
    chamber: str = ""
    status: str = ""  # the source's own words for where the bill stands
    # models.vocabulary.OUTCOMES for bills ("" for statements) and the day it was reached.
    outcome: str = ""
    outcome_on: date | None = None
    # Every title the source gives: {"type": as the source names it ("Short title",
    # "Popular Title", "Long title"...), "title": ..., "language": "en" | "fr"}.
    titles: list[dict[str, str]] = field(default_factory=list)
    sponsor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    source_url: str = ""  # the response this was parsed from (provenance)
    fetched_at: datetime | None = None


# `extra` key of a record that lists only some of the document's events (a Hansard day lists
# what happened to a bill that day): events stored earlier are expected to be absent.
EVENTS_IN_PART = "events_in_part"

# Jurisdictions whose bills are identified by their title with its year, whichever source
# states them (an Australian bill's title ends in its year and is unique): a bill from the
# Hansard and the same bill from the APH bill page are one document. Not US bills: a title
# ("Kids Online Safety Act") comes back each Congress as another bill.
BILLS_BY_TITLE = frozenset({Jurisdiction.AU})
_ENDS_IN_YEAR = re.compile(r"\b\d{4}$")


def bill_key(jurisdiction: str, kind: str, title: str) -> str:
    """The cross-source identity of a bill ("au:online safety amendment bill 2025"), else ""."""
    folded = " ".join(fold(title).split())
    if kind != BILL or jurisdiction not in BILLS_BY_TITLE or not _ENDS_IN_YEAR.search(folded):
        return ""
    return f"{jurisdiction}:{folded}"


# The fields whose change makes a new DocumentVersion (not timestamps of our own).
VERSIONED_FIELDS = (
    "reference",
    "title",
    "title_alt",
    "session",
    "url",
    "summary",
    "summary_alt",
    "body_text",
    "current_stage",
    "status",
    "outcome",
    "outcome_on",
    "titles",
    "chamber",
    "sponsor",
    "extra",
)
