"""Searching stored documents with the alert query language (same parser, same semantics).

Jurisdiction and type are filtered in SQL, and the full-text index (models.search) narrows
the candidates to documents holding one of the query's required terms; every candidate is then
evaluated with the query itself, so results equal what an alert would match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, Query, parse
from alerts.snippet import search_snippet
from models import Document
from models.search import documents_containing_any

SCAN_BATCH = 500


@dataclass(frozen=True)
class SearchHit:
    document: Document
    snippet: str
    matched_terms: list[str]


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[SearchHit] = field(default_factory=list)


def _candidates(
    session: Session, query: Query, jurisdictions: Iterable[str], doc_types: Iterable[str]
) -> Select[Document]:
    statement = select(Document).order_by(
        Document.published_on.desc().nulls_last(), Document.id.desc()
    )
    if places := [value.lower() for value in jurisdictions]:
        statement = statement.where(Document.jurisdiction.in_(places))
    if kinds := [value.lower() for value in doc_types]:
        statement = statement.where(Document.kind.in_(kinds))
    if query.required_terms is not None:  # a document without any of them cannot match
        statement = statement.where(
            Document.id.in_(documents_containing_any(session, query.required_terms))
        )
    return statement


def search(
    session: Session,
    query_text: str,
    *,
    jurisdictions: Iterable[str] = (),
    doc_types: Iterable[str] = (),
    limit: int = 50,
    offset: int = 0,
) -> SearchPage:
    """Documents matching `query_text`, newest first; raises QuerySyntaxError when invalid."""
    query = parse(query_text)
    total = 0
    hits: list[SearchHit] = []
    statement = _candidates(session, query, jurisdictions, doc_types).execution_options(
        yield_per=SCAN_BATCH
    )
    for document in session.scalars(statement):
        doc = MatchDocument.from_document(document)
        result = query.match(doc)
        if result is None:
            continue
        if offset <= total < offset + limit:
            text = search_snippet(doc, result.hits, result.best, document.latest_text)
            hits.append(SearchHit(document, text, result.matched_terms))
        total += 1
    return SearchPage(total, hits)
