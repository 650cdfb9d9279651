"""Searching the stored documents: the one search behind the CLI, the web page, its exports
and the API, with the alert query language, filters, facets and paging.

Every caller builds a `Filters` from its own inputs and calls `find`. SQL narrows (the
filters, then the full-text index, models.fulltext, on the query's required terms) and the
alert query decides, so a result is exactly what an alert with the same query would match.
An empty query matches every document the filters keep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, Query, parse
from alerts.snippet import search_snippet
from models import Document
from models.fulltext import documents_containing_any

SCAN_BATCH = 500
FACETS = ("jurisdiction", "kind", "stage_category", "topics")
PLAIN_SNIPPET = 240


@dataclass(frozen=True)
class Filters:
    """What to find, and which slice of the newest-first result to return."""

    query: str = ""  # the alert query language; blank: no query, the filters alone
    jurisdictions: tuple[str, ...] = ()  # models.vocabulary.JURISDICTIONS
    kinds: tuple[str, ...] = ()  # models.vocabulary.DOCUMENT_KINDS
    stage: str = ""  # a stage category (models.vocabulary.STAGES): "introduced", …
    topic: str = ""
    since: date | None = None
    until: date | None = None
    offset: int = 0
    limit: int | None = None  # None: every match (exports)


@dataclass(frozen=True)
class SearchHit:
    document: Document
    snippet: str  # plain text, matched words wrapped in [[ ]]
    matched_terms: list[str]


@dataclass
class Found:
    """The slice of hits the filters ask for; the total and facets count every match."""

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
    if filters.kinds:
        statement = statement.where(Document.kind.in_(filters.kinds))
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


def _match(document: Document, query: Query | None) -> Callable[[], SearchHit] | None:
    """None when the document does not match, else what builds its hit (a snippet costs a
    scan of the text, so only the hits of the slice asked for are built)."""
    if query is None:
        return lambda: SearchHit(
            document, (document.summary or document.body_text)[:PLAIN_SNIPPET], []
        )
    doc = MatchDocument.from_document(document)
    result = query.match(doc)
    if result is None:
        return None
    return lambda: SearchHit(
        document,
        search_snippet(doc, result.hits, result.best, document.latest_text),
        result.matched_terms,
    )


def _in_slice(filters: Filters, position: int) -> bool:
    end = None if filters.limit is None else filters.offset + filters.limit
    return position >= filters.offset and (end is None or position < end)


def find(session: Session, filters: Filters) -> Found:
    """Matching documents newest first: the slice the filters ask for, the total, facets.

    Raises QuerySyntaxError for a bad query.
    """
    query = parse(filters.query) if filters.query.strip() else None
    found = Found()
    for document in session.scalars(candidates(session, filters, query)):
        if filters.topic and filters.topic not in document.topics:
            continue
        hit = _match(document, query)
        if hit is None:
            continue
        _count(found, document)
        if _in_slice(filters, found.total):
            found.hits.append(hit())
        found.total += 1
    return found
