"""The normalised records every source produces and the store accepts.

Crawlers build these (as their items); `models.store` turns them into rows. They are plain
dataclasses so spiders stay free of the ORM and the store free of Scrapy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

BILL = "bill"
STATEMENT = "statement"


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
    body_text: str = ""
    body_html: str = ""
    language: str = "en"
    published_on: date | None = None
    source_updated_at: datetime | None = None
    current_stage: str = ""
    stage_category: str = ""
    chamber: str = ""
    status: str = ""
    sponsor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    source_url: str = ""  # the response this was parsed from (provenance)
    fetched_at: datetime | None = None


# The fields whose change makes a new DocumentVersion (not timestamps of our own).
VERSIONED_FIELDS = (
    "reference",
    "title",
    "title_alt",
    "session",
    "url",
    "summary",
    "body_text",
    "current_stage",
    "status",
    "chamber",
    "sponsor",
    "extra",
)
