"""Upserting normalised records and recording what changed. Takes a Session; never commits."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from models.documents import BillEvent, Change, Document, DocumentVersion
from models.records import (
    EVENTS_IN_PART,
    VERSIONED_FIELDS,
    DocumentRecord,
    EventRecord,
    bill_key,
)
from models.sources import Source
from models.taxonomy import tag_topics
from models.text import reference_key

log = logging.getLogger(__name__)


@dataclass
class UpsertOutcome:
    document: Document
    created: bool = False
    new_events: int = 0
    new_version: bool = False
    # Events we hold that the source no longer lists: kept, and reported.
    vanished_events: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or self.new_events > 0 or self.new_version


def ensure_source(
    session: Session,
    *,
    slug: str,
    jurisdiction: str,
    kind: str,
    name: str = "",
    verified: bool = True,
    interval_s: int = 3600,
) -> Source:
    """The Source row for a spider, created or refreshed from the spider's class attributes."""
    source = session.scalars(select(Source).where(Source.slug == slug)).one_or_none()
    if source is None:
        source = Source(slug=slug)
        session.add(source)
    source.jurisdiction = jurisdiction
    source.kind = kind
    source.name = name or slug
    source.verified = verified
    source.interval_s = interval_s
    session.flush()
    return source


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def versioned_fields(record: DocumentRecord) -> dict[str, Any]:
    # getattr, not asdict: asdict deep-copies the whole record (events, publications) per item.
    return {name: _jsonable(getattr(record, name)) for name in VERSIONED_FIELDS}


def content_hash(fields: dict[str, Any]) -> str:
    encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _derived_stage(record: DocumentRecord) -> tuple[str, str]:
    """The current stage as stated, else the latest event's (events are in source order)."""
    if record.current_stage or not record.events:
        return record.current_stage, record.stage_category
    latest = record.events[-1]
    return latest.stage, latest.stage_category


def apply_record(document: Document, record: DocumentRecord, now: datetime) -> None:
    """Copy the record's normalised fields (and derived stage, reference key, topics) onto it."""
    stage, category = _derived_stage(record)
    for name in VERSIONED_FIELDS:
        setattr(document, name, getattr(record, name))
    document.current_stage = stage
    document.stage_category = category
    document.other_titles = other_titles(record)
    document.stage_on = max(
        (event.occurred_on for event in record.events if event.occurred_on), default=None
    )
    document.kind = record.kind
    document.jurisdiction = record.jurisdiction
    document.reference_key = reference_key(record.reference)
    document.bill_key = bill_key(record.jurisdiction, record.kind, record.title)
    document.body_html = record.body_html
    document.language = record.language
    document.published_on = record.published_on
    document.source_updated_at = record.source_updated_at
    document.last_seen_at = now
    document.topics = tag_topics(
        record.body_text,
        heading=" ".join([record.title, record.title_alt, document.other_titles, record.summary]),
    )


def other_titles(record: DocumentRecord) -> str:
    """The titles beyond `title` and `title_alt`, once each, one a line (what search reads)."""
    shown = {record.title.casefold(), record.title_alt.casefold()}
    found: list[str] = []
    for entry in record.titles:
        title = " ".join(str(entry.get("title") or "").split())
        if title and title.casefold() not in shown:
            shown.add(title.casefold())
            found.append(title)
    return "\n".join(found)


def _add_version(
    session: Session, document: Document, number: int, fields: dict[str, Any], now: datetime
) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=number,
        content_hash=document.content_hash,
        fields=fields,
        seen_at=now,
    )
    session.add(version)
    return version


def _event_fields(event: EventRecord, sequence: int, now: datetime, source: str) -> dict[str, Any]:
    return {
        "key": event.stable_key(),
        "source": source,
        "occurred_on": event.occurred_on,
        "occurred_at": event.occurred_at,
        "chamber": event.chamber,
        "stage": event.stage,
        "stage_alt": event.stage_alt,
        "stage_category": event.stage_category,
        "description": event.description,
        "sequence": sequence,
        "first_seen_at": now,
    }


def new_event(
    document: Document, event: EventRecord, sequence: int, now: datetime, source: str
) -> BillEvent:
    return BillEvent(document=document, **_event_fields(event, sequence, now, source))


def _create(session: Session, source: Source, record: DocumentRecord, now: datetime) -> Document:
    """A new document, pending: `_announce` flushes it, then adds its history and Change."""
    document = Document(source=source, external_id=record.external_id, first_seen_at=now)
    apply_record(document, record, now)
    document.content_hash = content_hash(versioned_fields(record))
    session.add(document)
    return document


def _unique_events(events: list[EventRecord]) -> list[EventRecord]:
    seen: dict[str, EventRecord] = {}
    for event in events:
        seen.setdefault(event.stable_key(), event)
    return list(seen.values())


def _merge_events(
    session: Session, document: Document, record: DocumentRecord, now: datetime
) -> tuple[list[BillEvent], list[str]]:
    stored = {event.key: event for event in document.events}
    incoming = _unique_events(record.events)
    base = max((event.sequence for event in stored.values()), default=-1) + 1
    added = [
        new_event(document, event, base + index, now, record.source)
        for index, event in enumerate(e for e in incoming if e.stable_key() not in stored)
    ]
    session.add_all(added)
    incoming_keys = {event.stable_key() for event in incoming}
    listed_whole = incoming and not record.extra.get(EVENTS_IN_PART)
    # Only this source's events can vanish from its listing: another source's never were in it.
    ours = [key for key, event in stored.items() if event.source == record.source]
    vanished = [key for key in ours if key not in incoming_keys] if listed_whole else []
    return added, vanished


def _apply_fields(
    session: Session, document: Document, record: DocumentRecord, now: datetime
) -> DocumentVersion | None:
    """The record's fields onto the document; a new version when its content changed."""
    fields = versioned_fields(record)
    new_hash = content_hash(fields)
    apply_record(document, record, now)
    if new_hash == document.content_hash:
        return None
    document.content_hash = new_hash
    return _add_version(session, document, len(document.versions) + 1, fields, now)


def _update(
    session: Session, source: Source, document: Document, record: DocumentRecord, now: datetime
) -> UpsertOutcome:
    outcome = UpsertOutcome(document=document)
    added, outcome.vanished_events = _merge_events(session, document, record, now)
    if outcome.vanished_events:
        log.warning(
            "%s %s: source no longer lists %d stored event(s); kept",
            record.source,
            record.external_id,
            len(outcome.vanished_events),
        )
    version = None
    if document.source_id == source.id:
        version = _apply_fields(session, document, record, now)
        outcome.new_version = version is not None
    # else another source holds its fields: this one adds events only.
    if document.bill_key:  # its events come from several sources, or a day at a time
        document.stage_on = max(
            (day for day in [document.stage_on, *(e.occurred_on for e in document.events)] if day),
            default=None,
        )
    session.flush()
    for event in added:
        session.add(
            Change(
                key=f"event:{event.id}",
                kind="new_event",
                document=document,
                event=event,
                created_at=now,
            )
        )
    if version is not None:
        session.add(
            Change(
                key=f"version:{version.id}",
                kind="new_version",
                document=document,
                version=version,
                created_at=now,
            )
        )
    outcome.new_events = len(added)
    return outcome


def upsert_document(
    session: Session, source: Source, record: DocumentRecord, now: datetime
) -> UpsertOutcome:
    """Insert or update one document; new events and new content become Change rows."""
    return upsert_documents(session, source, [record], now)[0]


def upsert_documents(
    session: Session, source: Source, records: list[DocumentRecord], now: datetime
) -> list[UpsertOutcome]:
    """Insert or update documents of one source; an outcome per record, in order.

    A new document is one change (its history comes with it); afterwards every event the
    source adds and every content change is a change of its own. Events are never deleted.
    The batch's documents are looked up in one query, and the new ones flushed together with
    their history written in one statement per table: that is most of a crawl's writing.
    """
    known = _stored_documents(session, source, {record.external_id for record in records})
    known |= _same_bills_elsewhere(
        session, source, [r for r in records if r.external_id not in known]
    )
    # Created in this batch, history and Change not yet written.
    unannounced: dict[str, tuple[Document, DocumentRecord]] = {}
    outcomes: list[UpsertOutcome] = []
    for record in records:
        document = known.get(record.external_id)
        if document is None:
            known[record.external_id] = document = _create(session, source, record, now)
            unannounced[record.external_id] = (document, record)
            outcomes.append(UpsertOutcome(document=document, created=True))
            continue
        if record.external_id in unannounced:  # listed twice: its creation comes first
            _announce(session, [unannounced.pop(record.external_id)], now)
        outcomes.append(_update(session, source, document, record, now))
    _announce(session, list(unannounced.values()), now)
    return outcomes


def _announce(
    session: Session, created: list[tuple[Document, DocumentRecord]], now: datetime
) -> None:
    """New documents' events, first versions and creation Changes (whose keys need the ids, so
    a flush first). Written as one executemany per table, without ORM objects: a backlog is
    mostly new documents, and building and flushing an object per row was most of its storing.
    """
    session.flush()
    rows: dict[type[Any], list[dict[str, Any]]] = {BillEvent: [], DocumentVersion: [], Change: []}
    for document, record in created:
        events = _unique_events(record.events)
        rows[BillEvent] += [
            {"document_id": document.id, **_event_fields(event, sequence, now, record.source)}
            for sequence, event in enumerate(events)
        ]
        rows[DocumentVersion].append(
            {
                "document_id": document.id,
                "number": 1,
                "content_hash": document.content_hash,
                "fields": versioned_fields(record),
                "seen_at": now,
            }
        )
        rows[Change].append(
            {
                "key": f"doc:{document.id}",  # a new document is one change: its history with it
                "kind": "new_document",
                "document_id": document.id,
                "event_id": None,
                "version_id": None,
                "created_at": now,
            }
        )
    for model, values in rows.items():
        if values:
            session.execute(insert(model.__table__), values)  # Core: one executemany
    for document, _ in created:  # loaded afresh if read: they were written around the ORM
        session.expire(document, ["events", "versions"])


def _stored_documents(
    session: Session, source: Source, external_ids: set[str]
) -> dict[str, Document]:
    statement = (
        select(Document)
        .where(Document.source_id == source.id, Document.external_id.in_(external_ids))
        .options(selectinload(Document.events))  # an update compares them; one query for all
    )
    return {document.external_id: document for document in session.scalars(statement)}


def _same_bills_elsewhere(
    session: Session, source: Source, records: list[DocumentRecord]
) -> dict[str, Document]:
    """Bills another source stored under the same bill key, by these records' external ids.

    A record stating the bill in part (a Hansard day) only adds its events to them. A record
    stating the whole bill (its APH page: number, status, sponsor) takes over one held by a
    source stating it in part: its fields win, whichever came first, and stay put after.
    """
    wanted = {key: r for r in records if (key := bill_key(r.jurisdiction, r.kind, r.title))}
    if not wanted:
        return {}
    statement = (
        select(Document)
        .where(Document.bill_key.in_(wanted), Document.source_id != source.id)
        .options(selectinload(Document.events))
    )
    found: dict[str, Document] = {}
    for document in session.scalars(statement):
        record = wanted[document.bill_key]
        if document.extra.get(EVENTS_IN_PART) and not record.extra.get(EVENTS_IN_PART):
            document.source, document.source_id = source, source.id
            document.external_id = record.external_id
        found[record.external_id] = document
    return found


def advance_watermark(source: Source, value: str | None) -> None:
    """Move the source's watermark forward (ISO strings compare in time order)."""
    if value and (source.watermark is None or value > source.watermark):
        source.watermark = value
