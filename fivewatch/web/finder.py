"""Search over stored documents: the alert query language, filters, facets and paging.

SQL narrows (filters, then the full-text index on the query's required terms) and the alert
query decides, so a result is exactly what an alert with the same query would match.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, Query, parse
from alerts.search import SearchHit
from alerts.snippet import search_snippet
from models import Document
from models.search import documents_containing_any

SCAN_BATCH = 500
FACETS = ("jurisdiction", "kind", "stage_category", "topics")
# The search parameter each facet narrows by.
FACET_PARAMETERS = {"jurisdiction": "jurisdiction", "kind": "type", "stage_category": "stage",
                    "topics": "topic"}  # fmt: skip
PLAIN_SNIPPET = 240


@dataclass(frozen=True)
class Filters:
    q: str = ""
    jurisdictions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    stage: str = ""  # a stage category: "introduced", "passed", …
    topic: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class Found:
    total: int = 0
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, Counter[str]] = field(
        default_factory=lambda: {name: Counter() for name in FACETS}
    )


def _filtered(filters: Filters) -> Select[Any]:
    statement = select(Document).order_by(
        Document.published_on.desc().nulls_last(), Document.id.desc()
    )
    if filters.jurisdictions:
        statement = statement.where(Document.jurisdiction.in_(filters.jurisdictions))
    if filters.types:
        statement = statement.where(Document.kind.in_(filters.types))
    if filters.stage:
        statement = statement.where(Document.stage_category == filters.stage)
    if filters.since:
        statement = statement.where(Document.published_on >= filters.since)
    if filters.until:
        statement = statement.where(Document.published_on <= filters.until)
    return statement


def candidates(session: Session, filters: Filters, query: Query | None) -> Select[Any]:
    """The filtered documents, narrowed by the full-text index when the query allows it."""
    statement = _filtered(filters)
    if query is not None and query.required_terms is not None:
        statement = statement.where(
            Document.id.in_(documents_containing_any(session, query.required_terms))
        )
    return statement.execution_options(yield_per=SCAN_BATCH)


def _count(found: Found, document: Document) -> None:
    found.facets["jurisdiction"][document.jurisdiction] += 1
    found.facets["kind"][document.kind] += 1
    if document.stage_category:
        found.facets["stage_category"][document.stage_category] += 1
    found.facets["topics"].update(document.topics)


def _hit(document: Document, query: Query | None) -> SearchHit | None:
    if query is None:
        return SearchHit(document, (document.summary or document.body_text)[:PLAIN_SNIPPET], [])
    doc = MatchDocument.from_document(document)
    result = query.match(doc)
    if result is None:
        return None
    text = search_snippet(doc, result.hits, result.best, document.latest_text)
    return SearchHit(document, text, result.matched_terms)


def find(session: Session, filters: Filters, *, limit: int | None, offset: int = 0) -> Found:
    """Matching documents newest first: the page [offset, offset+limit), the total, facets.

    Raises QuerySyntaxError for a bad query. `limit=None` returns every match (exports).
    """
    query = parse(filters.q) if filters.q.strip() else None
    found = Found()
    for document in session.scalars(candidates(session, filters, query)):
        if filters.topic and filters.topic not in document.topics:
            continue
        hit = _hit(document, query)
        if hit is None:
            continue
        _count(found, document)
        if found.total >= offset and (limit is None or found.total < offset + limit):
            found.hits.append(hit)
        found.total += 1
    return found
