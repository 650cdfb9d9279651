"""Everything a bill's page shows, gathered once: the page and GET /api/bills/{id} read the same
facts (status, progress per chamber, events, titles, summary paragraphs, texts, statements)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fivewatch.web import billtexts, queries
from fivewatch.web.billtexts import TextVersion
from models import BillEvent, Document
from models.bill_status import BillStatus, ChamberProgress, bill_status, newest_sessions, progress

# A link's content type as people read it; anything else is named by its subtype.
FORMAT_NAMES = {"text/html": "HTML", "application/pdf": "PDF", "application/xml": "XML"}


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Publication:
    title: str
    kind: str
    date: str
    links: list[Link]


@dataclass(frozen=True)
class BillFacts:
    bill: Document
    status: BillStatus
    progress: list[ChamberProgress]
    events: list[BillEvent]
    chambers: dict[str, list[BillEvent]]
    summary: list[str]  # paragraphs
    summary_alt: list[str]
    other_titles: list[str]
    texts: list[TextVersion]
    publications: list[Publication]
    statements: list[Document]


def paragraphs(text: str) -> list[str]:
    """A summary's paragraphs: the sources break them with newlines (blank lines or not)."""
    return [line.strip() for line in re.split(r"\n", text) if line.strip()]


def _format(link: dict[str, Any]) -> str:
    content_type = str(link.get("content_type") or "").partition(";")[0].strip().lower()
    return FORMAT_NAMES.get(content_type, content_type.rpartition("/")[2].upper() or "link")


def _links(item: dict[str, Any], official: str) -> list[Link]:
    """A publication's own url, its per-format links (the UK's), else the bill's official
    page (LEGISinfo names its texts by id only: the page lists them)."""
    own = [Link("link", str(item["url"]))] if item.get("url") else []
    formats = [
        Link(_format(link), str(link["url"]))
        for link in item.get("links") or []
        if isinstance(link, dict) and link.get("url")
    ]
    found = own + formats
    return found or ([Link("on the official page", official)] if official else [])


def publications(bill: Document) -> list[Publication]:
    """Texts, publications and links the spiders keep in `extra`, in source order."""
    return [
        Publication(str(item["title"]), str(item.get("type") or ""), str(item.get("date") or ""),
                    _links(item, bill.url))
        for key in ("texts", "publications", "links")
        for item in bill.extra.get(key) or []
        if isinstance(item, dict) and item.get("title")
    ]  # fmt: skip


def bill_facts(session: Session, bill: Document) -> BillFacts:
    events = queries.timeline(session, bill)
    return BillFacts(
        bill=bill,
        status=bill_status(bill, newest_sessions(session)),
        progress=progress(events),
        events=events,
        chambers=queries.by_chamber(events),
        summary=paragraphs(bill.summary),
        summary_alt=paragraphs(bill.summary_alt),
        other_titles=paragraphs(bill.other_titles),
        texts=billtexts.versions_of(bill),
        publications=publications(bill),
        statements=queries.mentioning(session, bill),
    )
