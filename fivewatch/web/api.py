"""The JSON API under /api/ (its OpenAPI schema is at /openapi.json, docs at /docs)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy import func, select

from alerts.finder import find
from alerts.query import QuerySyntaxError, parse
from alerts.query.pitfalls import pitfalls
from fivewatch.web import billtexts, queries
from fivewatch.web.bill_facts import bill_facts
from fivewatch.web.bill_schemas import BillOut, bill_out
from fivewatch.web.billtexts import KEY_PATTERN, SameVersion, TextVersion, UnknownVersion
from fivewatch.web.schemas import (
    BillHistory,
    DiffOut,
    DocumentDetail,
    DocumentList,
    QueryCheck,
    QueryWarning,
    RowId,
    SearchOut,
    SourceOut,
    TextOut,
    TextVersionList,
    detail_of,
    diff_of,
    event_of,
    hit_of,
    section_of,
    source_of,
    summary_of,
    text_version_of,
)
from fivewatch.web.search_page import FiltersDep, bad_query
from fivewatch.web.state import SessionDep, StateDep
from models import Document
from models.taxonomy import topic_labels
from models.vocabulary import DocumentKind, Jurisdiction

router = APIRouter(prefix="/api", tags=["api"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such document"}}
BAD_QUERY: dict[int | str, dict[str, Any]] = {
    400: {"description": "The query is not valid: message and 0-based position"}
}
NO_VERSION: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such bill, or no such text version (the message names those stored)"}
}
SAME_VERSION: dict[int | str, dict[str, Any]] = {
    400: {"description": "`from` and `to` name the same version"}
}
KEY_HELP = (
    'A version\'s code ("rh"), or "code:issue" ("rh:2") for a re-issued code; '
    "a re-issued code alone means its newest issue"
)
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/documents")
def list_documents(
    session: SessionDep,
    jurisdiction: Jurisdiction | None = None,
    type: DocumentKind | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DocumentList:
    """Documents newest first, optionally of one jurisdiction and type."""
    statement = select(Document)
    if jurisdiction:
        statement = statement.where(Document.jurisdiction == jurisdiction)
    if type:
        statement = statement.where(Document.kind == type)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = (
        statement.order_by(Document.published_on.desc().nulls_last(), Document.id.desc())
        .limit(limit)
        .offset(offset)
    )
    documents = [summary_of(document) for document in session.scalars(page)]
    return DocumentList(total=total, offset=offset, limit=limit, documents=documents)


@router.get("/documents/{document_id}", responses=NOT_FOUND)
def get_document(session: SessionDep, document_id: RowId) -> DocumentDetail:
    return detail_of(queries.document_or_404(session, document_id))


@router.get("/bills/{document_id}", responses=NOT_FOUND)
def get_bill(session: SessionDep, document_id: RowId) -> BillOut:
    """What the bill's page shows: status, progress per chamber, events, titles, summary
    paragraphs, text versions, publications and the statements naming it."""
    return bill_out(bill_facts(session, queries.document_or_404(session, document_id, "bill")))


@router.get("/bills/{document_id}/history", responses=NOT_FOUND)
def bill_history(session: SessionDep, document_id: RowId) -> BillHistory:
    """Every event of a bill, in order, as its source states them."""
    bill = queries.document_or_404(session, document_id, "bill")
    events = [event_of(event) for event in queries.timeline(session, bill)]
    return BillHistory(bill=summary_of(bill), events=events)


@router.get("/bills/{document_id}/texts", responses=NOT_FOUND)
def bill_texts(session: SessionDep, document_id: RowId) -> TextVersionList:
    """A bill's stored text versions, in stage order."""
    bill = queries.document_or_404(session, document_id, "bill")
    versions = [text_version_of(version) for version in billtexts.versions_of(bill)]
    return TextVersionList(bill=summary_of(bill), versions=versions)


def _version(versions: list[TextVersion], key: str) -> TextVersion:
    try:
        return billtexts.find_version(versions, key)
    except UnknownVersion as error:
        raise HTTPException(404, str(error)) from error


@router.get("/bills/{document_id}/texts/{key}", responses=NO_VERSION)
def bill_text(
    session: SessionDep,
    document_id: RowId,
    key: Annotated[str, Path(pattern=KEY_PATTERN, description=KEY_HELP)],
) -> TextOut:
    """One text version of a bill, section by section."""
    bill = queries.document_or_404(session, document_id, "bill")
    version = _version(billtexts.versions_of(bill), key)
    sections = [section_of(section) for section in version.sections]
    return TextOut(bill=summary_of(bill), version=text_version_of(version), sections=sections)


@router.get("/bills/{document_id}/diff", responses=NO_VERSION | SAME_VERSION)
def bill_diff(
    session: SessionDep,
    document_id: RowId,
    old: Annotated[str, Query(alias="from", pattern=KEY_PATTERN, description=KEY_HELP)],
    new: Annotated[str, Query(alias="to", pattern=KEY_PATTERN, description=KEY_HELP)],
) -> DiffOut:
    """What changed from one text version to another, section by section, words marked."""
    bill = queries.document_or_404(session, document_id, "bill")
    versions = billtexts.versions_of(bill)
    try:
        return diff_of(bill, billtexts.compare(versions, old, new))
    except UnknownVersion as error:
        raise HTTPException(404, str(error)) from error
    except SameVersion as error:
        raise HTTPException(400, str(error)) from error


@router.get("/search", responses=BAD_QUERY)
def api_search(
    session: SessionDep, filters: FiltersDep, limit: Limit = 20, offset: Offset = 0
) -> SearchOut:
    """The alert query language over every document, with filters and facet counts."""
    try:
        found = find(session, replace(filters, offset=offset, limit=limit))
    except QuerySyntaxError as error:
        raise bad_query(error) from error
    facets = {name: dict(counts) for name, counts in found.facets.items()}
    hits = [hit_of(hit) for hit in found.hits]
    return SearchOut(
        total=found.total,
        offset=offset,
        limit=limit,
        hits=hits,
        facets=facets,
        topic_labels=topic_labels(),
    )


@router.get("/sources")
def list_sources(session: SessionDep, state: StateDep) -> list[SourceOut]:
    """Every source and its health, judged now (`fivewatch sources` gives the same verdicts)."""
    return [source_of(health) for health in queries.sources(session, state.config)]


@router.get("/query-check")
def query_check(q: Annotated[str, Query(max_length=2000)] = "") -> QueryCheck:
    """Whether `q` is a valid alert query; if not, what was expected and where; if so, what
    it probably meant instead, when it looks like a slip (`grooming or sextortion`)."""
    try:
        parse(q)
    except QuerySyntaxError as error:
        return QueryCheck(
            ok=False, message=error.message, position=error.position, pretty=error.pretty()
        )
    warnings = [QueryWarning(message=p.message, suggestion=p.suggestion) for p in pitfalls(q)]
    return QueryCheck(ok=True, warnings=warnings)
