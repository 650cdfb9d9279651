"""The JSON API's shapes (they make the OpenAPI schema) and conversions from the models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, computed_field

from alerts.search import SearchHit
from models import BillEvent, Document, vocabulary
from models.health import SourceHealth
from models.lookup import MAX_DOCUMENT_ID

# Ids are 32-bit integers on PostgreSQL: a larger one is refused (422), never sent to it.
MAX_ID = MAX_DOCUMENT_ID
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Jurisdiction = Literal["us", "uk", "ca", "au", "nz"]
DocType = Literal["bill", "statement"]


class DocumentSummary(BaseModel):
    id: int
    kind: str
    jurisdiction: str
    reference: str
    session: str  # tells apart bills of one title in several sessions
    title: str
    current_stage: str
    stage_category: str
    published_on: date | None
    url: str
    topics: list[str]
    # A bill's outcome (models.vocabulary.OUTCOMES: active, enacted, lapsed, ...), "" for a
    # statement; the day it was reached; the source's own words for where it stands.
    outcome: str
    outcome_on: date | None
    status: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_line(self) -> str:
        """The badge's text: "Lapsed — session 44-1 prorogued 2025-01-06"."""
        return vocabulary.status_line(self.outcome, self.outcome_on, self.status)


class TitleOut(BaseModel):
    type: str = ""  # "Long title", "Short title", ...
    title: str = ""
    language: str = ""


class DocumentDetail(DocumentSummary):
    title_alt: str
    titles: list[TitleOut]  # every title the source gives
    summary: str
    summary_alt: str  # the summary in the other official language (Canada: French)
    body_text: str
    sponsor: str
    chamber: str
    language: str
    first_seen_at: datetime
    last_seen_at: datetime


class EventOut(BaseModel):
    occurred_on: date | None
    chamber: str
    stage: str
    stage_alt: str  # the stage in the other official language (Canada: French)
    stage_category: str
    description: str


class BillHistory(BaseModel):
    bill: DocumentSummary
    events: list[EventOut]


class HitOut(BaseModel):
    document: DocumentSummary
    snippet: str  # plain text; matched terms wrapped in [[ ]]
    matched_terms: list[str]


class SearchOut(BaseModel):
    total: int
    offset: int
    limit: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]


class DocumentList(BaseModel):
    total: int
    offset: int
    limit: int
    documents: list[DocumentSummary]


class SourceOut(BaseModel):
    slug: str
    jurisdiction: str
    kind: str
    name: str
    health: str  # the verdict of models.health: healthy, unverified, empty, degraded, failing, ...
    health_reason: str
    last_run_at: datetime | None
    last_success_at: datetime | None


class QueryCheck(BaseModel):
    ok: bool
    message: str = ""
    position: int | None = None
    pretty: str = ""


def summary_of(document: Document) -> DocumentSummary:
    return DocumentSummary.model_validate(document, from_attributes=True)


def detail_of(document: Document) -> DocumentDetail:
    return DocumentDetail.model_validate(document, from_attributes=True)


def event_of(event: BillEvent) -> EventOut:
    return EventOut.model_validate(event, from_attributes=True)


def hit_of(hit: SearchHit) -> HitOut:
    return HitOut(
        document=summary_of(hit.document), snippet=hit.snippet, matched_terms=hit.matched_terms
    )


def source_of(health: SourceHealth) -> SourceOut:
    return SourceOut(
        slug=health.slug, jurisdiction=health.jurisdiction, kind=health.kind, name=health.title,
        health=health.verdict, health_reason=health.reason,
        last_run_at=health.last_run, last_success_at=health.last_success,
    )  # fmt: skip
