"""Searching the stored documents: the one search behind the CLI, the web page, its exports
and the API, with the alert query language, filters, facets and paging.

Every caller builds a `Filters` from its own inputs and calls `find`. SQL narrows (the
filters, then the full-text index, models.fulltext, on the query's required terms) and the
alert query decides, so a result is exactly what an alert with the same query would match.
An empty query matches every document the filters keep.

Results are ranked by relevance (the full-text rank of the query's positive words and
phrases), newest first among equals; a query with no words to rank, or `sort=newest`, gives
newest first. The default scope is the on-topic documents (tagged with at least one topic
at crawl, models.taxonomy); off-topic ones stay stored and are found with `scope=all`, or by
a query naming a bill number (`number:c63`), since whoever names a bill wants that bill.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, Query, parse
from alerts.query.ast import And, Filter, InTitle, Near, Node, Or, Term
from alerts.snippet import search_snippet
from models import Document
from models.fulltext import documents_containing_any, with_rank

SCAN_BATCH = 500
FACETS = ("jurisdiction", "kind", "stage_category", "topics")
PLAIN_SNIPPET = 240
# A document is on-topic when the crawl tagged it with a topic (its topics: a JSON list).
ON_TOPIC: ColumnElement[bool] = func.json_array_length(Document.topics) > 0


class Sort(StrEnum):
    RELEVANCE = "relevance"  # falls back to newest for a query with no words to rank
    NEWEST = "newest"


class Scope(StrEnum):
    ON_TOPIC = "on-topic"
    ALL = "all"


@dataclass(frozen=True)
class Filters:
    """What to find, in which order, and which slice of the result to return."""

    query: str = ""  # the alert query language; blank: no query, the filters alone
    jurisdictions: tuple[str, ...] = ()  # models.vocabulary.JURISDICTIONS
    kinds: tuple[str, ...] = ()  # models.vocabulary.DOCUMENT_KINDS
    stage: str = ""  # a stage category (models.vocabulary.STAGES): "introduced", …
    topic: str = ""
    since: date | None = None
    until: date | None = None
    offset: int = 0
    limit: int | None = None  # None: every match (exports)
    sort: Sort = Sort.RELEVANCE
    scope: Scope = Scope.ON_TOPIC


@dataclass(frozen=True)
class SearchHit:
    document: Document
    snippet: str  # plain text, matched words wrapped in [[ ]]
    matched_terms: list[str]


@dataclass
class Found:
    """The slice of hits the filters ask for; the total and facets count every match in
    scope, `outside_scope` the matches the scope hid; `sort` and `scope` as applied."""

    sort: Sort = Sort.NEWEST
    scope: Scope = Scope.ALL
    total: int = 0
    outside_scope: int = 0
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


def _positive_leaves(node: Node) -> Iterator[Term | Filter]:
    """The words, phrases and filters a match is asked for (nothing under a NOT)."""
    if isinstance(node, Term | Filter):
        yield node
    elif isinstance(node, Near):
        yield from (node.left, node.right)
    elif isinstance(node, InTitle):
        yield from _positive_leaves(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _positive_leaves(child)


def _phrases(query: Query | None) -> list[str]:
    """The query's positive words and phrases, as models.fulltext.with_rank takes them."""
    leaves = _positive_leaves(query.root) if query else ()
    return [
        " ".join(leaf.words) + ("*" if leaf.prefix else "")
        for leaf in leaves
        if isinstance(leaf, Term)
    ]


def _scope(filters: Filters, query: Query | None) -> Scope:
    leaves = _positive_leaves(query.root) if query else ()
    names_a_bill = any(isinstance(leaf, Filter) and leaf.field == "number" for leaf in leaves)
    return Scope.ALL if names_a_bill else filters.scope


Ranked = tuple[tuple[float, int], Callable[[], SearchHit]]


def _scan(
    session: Session, filters: Filters, query: Query | None, phrases: list[str], found: Found
) -> Iterator[Ranked]:
    """Every match in scope, counted into `found`, with its sort key: best rank first, then
    the candidates' newest-first position (all ranks are 0 when not ranking)."""
    statement = with_rank(session, candidates(session, filters, query), phrases)
    for position, (document, rank) in enumerate(session.execute(statement)):
        if filters.topic and filters.topic not in document.topics:
            continue
        hit = _match(document, query)
        if hit is None:
            continue
        if found.scope == Scope.ON_TOPIC and not document.topics:
            found.outside_scope += 1
            continue
        _count(found, document)
        found.total += 1
        yield (-rank, position), hit


def find(session: Session, filters: Filters) -> Found:
    """Matching documents by relevance (or newest first): the slice the filters ask for, the
    total, facets. Every candidate is evaluated exactly; only the slice's snippets are built.

    Raises QuerySyntaxError for a bad query.
    """
    query = parse(filters.query) if filters.query.strip() else None
    phrases = _phrases(query) if filters.sort == Sort.RELEVANCE else []
    found = Found(sort=Sort.RELEVANCE if phrases else Sort.NEWEST, scope=_scope(filters, query))
    matches = _scan(session, filters, query, phrases, found)
    if filters.limit is None:
        ranked = sorted(matches, key=itemgetter(0))
    else:  # keeps only the first offset + limit matches in memory
        ranked = heapq.nsmallest(filters.offset + filters.limit, matches, key=itemgetter(0))
    found.hits = [build() for _, build in ranked[filters.offset :]]
    return found
