"""GET /api/bills/{id}: the bill page's facts (fivewatch.web.bill_facts) as JSON."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from fivewatch.web.bill_facts import BillFacts, Publication
from fivewatch.web.schemas import (
    DocumentDetail,
    DocumentSummary,
    EventOut,
    detail_of,
    event_of,
    summary_of,
)
from models.bill_status import ChamberProgress


class StatusOut(BaseModel):
    outcome: str  # models.vocabulary.OUTCOMES, or "unknown"
    label: str
    on: date | None
    reason: str  # which stored fact says so


class StepOut(BaseModel):
    step: str  # models.bill_status.PROGRESS_STEPS key
    label: str
    reached: bool
    reached_on: date | None
    stage: str  # the source's words for the first event of the step


class ChamberProgressOut(BaseModel):
    chamber: str
    reached: int
    steps: list[StepOut]


class TextLinkOut(BaseModel):
    key: str
    stage: str
    issued_on: date | None
    page: str  # the text's page on this site
    source_url: str


class LinkOut(BaseModel):
    label: str
    url: str


class PublicationOut(BaseModel):
    title: str
    kind: str
    date: str
    links: list[LinkOut]


class BillOut(BaseModel):
    bill: DocumentDetail
    status: StatusOut
    progress: list[ChamberProgressOut]
    events: list[EventOut]
    other_titles: list[str]
    summary_paragraphs: list[str]
    summary_alt_paragraphs: list[str]
    texts: list[TextLinkOut]
    publications: list[PublicationOut]
    statements: list[DocumentSummary]


def _progress(bar: ChamberProgress) -> ChamberProgressOut:
    steps = [
        StepOut(step=r.step.key, label=r.step.label, reached=r.event is not None,
                reached_on=r.on, stage=r.event.stage if r.event else "")
        for r in bar.steps
    ]  # fmt: skip
    return ChamberProgressOut(chamber=bar.chamber, reached=bar.reached, steps=steps)


def _publication(item: Publication) -> PublicationOut:
    links = [LinkOut(label=link.label, url=link.url) for link in item.links]
    return PublicationOut(title=item.title, kind=item.kind, date=item.date, links=links)


def bill_out(facts: BillFacts) -> BillOut:
    status, bill = facts.status, facts.bill
    texts = [
        TextLinkOut(key=v.key, stage=v.row.stage, issued_on=v.row.issued_on,
                    page=f"/bills/{bill.id}/text/{v.key}", source_url=v.row.url)
        for v in facts.texts
    ]  # fmt: skip
    return BillOut(
        bill=detail_of(bill),
        status=StatusOut(
            outcome=status.outcome, label=status.label, on=status.on, reason=status.reason
        ),
        progress=[_progress(bar) for bar in facts.progress],
        events=[event_of(event) for event in facts.events],
        other_titles=facts.other_titles,
        summary_paragraphs=facts.summary,
        summary_alt_paragraphs=facts.summary_alt,
        texts=texts,
        publications=[_publication(item) for item in facts.publications],
        statements=[summary_of(document) for document in facts.statements],
    )
