"""The JSON API's shapes (they make the OpenAPI schema) and conversions from the models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, computed_field

from alerts.finder import SearchHit
from fivewatch.web.billtexts import TextVersion, VersionDiff
from models import BillEvent, Document, vocabulary
from models.billtext import Section, SectionChange
from models.health import SourceHealth
from models.lookup import MAX_DOCUMENT_ID

# Ids are 32-bit integers on PostgreSQL: a larger one is refused (422), never sent to it.
MAX_ID = MAX_DOCUMENT_ID
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


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
    # Facets and hits name topics by slug (what topic= and topic: take); people read these.
    topic_labels: dict[str, str]


class DocumentList(BaseModel):
    total: int
    offset: int
    limit: int
    documents: list[DocumentSummary]


class TextVersionOut(BaseModel):
    key: str  # how the API and pages address it: the code, "code:issue" when re-issued
    code: str  # the source's version code (GovInfo: "ih", "rh", "eh", ...)
    issue: int  # 1-based among the versions sharing this code
    issues: int  # how many versions share this code
    stage: str
    issued_on: date | None
    url: str  # where the text was fetched from
    title: str
    sequence: int  # stage order among the bill's versions
    note: str
    sections: int  # how many sections it has


class TextVersionList(BaseModel):
    bill: DocumentSummary
    versions: list[TextVersionOut]  # in stage order


class SectionOut(BaseModel):
    number: str  # "" when unnumbered
    heading: str
    label: str  # "SEC. 3. Consumer Financial Protection Bureau"
    text: str  # one subsection or paragraph a line
    quoted: list[str]  # amended law the section inserts, each block apart


class TextOut(BaseModel):
    bill: DocumentSummary
    version: TextVersionOut
    sections: list[SectionOut]


class WordsOut(BaseModel):
    op: Literal["equal", "insert", "delete"]
    text: str


class SectionChangeOut(BaseModel):
    kind: Literal["added", "removed", "moved", "reworded", "unchanged"]
    old_label: str | None  # None when added
    new_label: str | None  # None when removed
    words: list[WordsOut]  # a reworded section's words in reading order; [] otherwise


class DiffOut(BaseModel):
    bill: DocumentSummary
    old: TextVersionOut
    new: TextVersionOut
    sentence: str  # "10 sections added (SEC. 8. ...), 1 moved, 6 reworded"
    changes: list[SectionChangeOut]  # in the new version's reading order


class SourceOut(BaseModel):
    slug: str
    jurisdiction: str
    kind: str
    name: str
    health: str  # the verdict of models.health: healthy, unverified, empty, degraded, failing, ...
    health_reason: str
    last_run_at: datetime | None
    last_success_at: datetime | None


class QueryWarning(BaseModel):
    message: str
    suggestion: str  # the whole query, rewritten


class QueryCheck(BaseModel):
    ok: bool
    message: str = ""
    position: int | None = None
    pretty: str = ""
    # A valid query that probably says something else than meant (alerts.query.pitfalls).
    warnings: list[QueryWarning] = []


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


def text_version_of(version: TextVersion) -> TextVersionOut:
    row = version.row
    return TextVersionOut(
        key=version.key, code=row.code, issue=version.issue, issues=version.issues,
        stage=row.stage, issued_on=row.issued_on, url=row.url, title=row.title,
        sequence=row.sequence, note=row.note, sections=len(row.sections),
    )  # fmt: skip


def section_of(section: Section) -> SectionOut:
    return SectionOut(
        number=section.number, heading=section.heading, label=section.label,
        text=section.text, quoted=list(section.quoted),
    )  # fmt: skip


def _label(section: Section | None) -> str | None:
    return section.label if section is not None else None


def change_of(change: SectionChange) -> SectionChangeOut:
    return SectionChangeOut.model_validate({
        "kind": change.kind, "old_label": _label(change.old), "new_label": _label(change.new),
        "words": [{"op": op, "text": text} for op, text in change.words],
    })  # fmt: skip


def diff_of(bill: Document, compared: VersionDiff) -> DiffOut:
    return DiffOut(
        bill=summary_of(bill), old=text_version_of(compared.old),
        new=text_version_of(compared.new), sentence=compared.diff.sentence(),
        changes=[change_of(change) for change in compared.diff.changes],
    )  # fmt: skip
