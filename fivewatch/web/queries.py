"""Read-only look-ups the pages and the API share."""

from __future__ import annotations

from collections import defaultdict

from fastapi import HTTPException, status
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from alerts.finder import ON_TOPIC
from fivewatch.config import Config
from fivewatch.health_policy import HealthPolicy, SourceHealth, health_report
from models import Alert, BillEvent, Change, CrawlRun, Document, DocumentLink, utcnow
from models.document_links import MENTIONS, statements_mentioning

LATEST = 30


def latest_changes(session: Session, limit: int = LATEST, on_topic: bool = False) -> list[Change]:
    """The newest changes (new bills, stage changes, statements), newest first; `on_topic`:
    only those of on-topic documents."""
    statement = (
        select(Change)
        .options(selectinload(Change.document), selectinload(Change.event))
        .order_by(Change.id.desc())
        .limit(limit)
    )
    if on_topic:
        statement = statement.join(Change.document).where(ON_TOPIC)
    return list(session.scalars(statement))


def document_counts(session: Session) -> tuple[int, int]:
    """How many documents are on-topic, and how many there are in all."""
    on_topic = func.count().filter(ON_TOPIC)
    row = session.execute(select(on_topic, func.count()).select_from(Document)).one()
    return row[0], row[1]


def sources(session: Session, config: Config) -> list[SourceHealth]:
    """Every source's verdict, judged now as `fivewatch sources` and the admin mail judge it."""
    return health_report(session, HealthPolicy.from_config(config), utcnow())


def latest_runs(session: Session, limit: int = 50) -> list[CrawlRun]:
    statement = (
        select(CrawlRun)
        .options(selectinload(CrawlRun.source))
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def document_or_404(session: Session, document_id: int, kind: str | None = None) -> Document:
    document = session.get(Document, document_id)
    if document is None or (kind is not None and document.kind != kind):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No {kind or 'document'} {document_id}")
    return document


def timeline(session: Session, document: Document) -> list[BillEvent]:
    """Every event of a bill in the order the source gives them."""
    statement = (
        select(BillEvent)
        .where(BillEvent.document_id == document.id)
        .order_by(BillEvent.occurred_on.nulls_last(), BillEvent.sequence, BillEvent.id)
    )
    return list(session.scalars(statement))


def by_chamber(events: list[BillEvent]) -> dict[str, list[BillEvent]]:
    chambers: dict[str, list[BillEvent]] = defaultdict(list)
    for event in events:
        chambers[event.chamber or "Unspecified"].append(event)
    return dict(chambers)


def mentioning(session: Session, document: Document) -> list[Document]:
    return statements_mentioning(session, document)


def mentioned_bills(session: Session, statement: Document) -> list[Document]:
    """Stored bills a statement names: its mention links resolved by reference key."""
    links = session.scalars(
        select(DocumentLink).where(
            DocumentLink.from_document_id == statement.id, DocumentLink.kind == MENTIONS
        )
    )
    wanted = [
        and_(Document.reference_key == link.to_key, Document.jurisdiction == link.to_jurisdiction)
        if link.to_jurisdiction
        else Document.reference_key == link.to_key
        for link in links
    ]
    if not wanted:
        return []
    bills = select(Document).where(Document.kind == "bill", or_(*wanted)).order_by(Document.id)
    return list(session.scalars(bills))


def bills_on_topic(
    session: Session, topic: str, limit: int = 12, on_topic: bool = True
) -> list[Document]:
    """Bills tagged with `topic` (with any topic when blank and `on_topic`, else every bill),
    newest first (topics are a JSON list: the one topic is filtered here)."""
    statement = (
        select(Document)
        .options(selectinload(Document.events))
        .where(Document.kind == "bill")
        .order_by(Document.published_on.desc().nulls_last(), Document.id.desc())
    )
    if on_topic:
        statement = statement.where(ON_TOPIC)
    chosen = [bill for bill in session.scalars(statement) if not topic or topic in bill.topics]
    return chosen[:limit]


def subscription_alerts(session: Session, subscription_id: int, limit: int = 50) -> list[Alert]:
    """A subscription's newest alerts with their changes and documents."""
    statement = (
        select(Alert)
        .options(selectinload(Alert.change).selectinload(Change.document))
        .where(Alert.subscription_id == subscription_id)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))
