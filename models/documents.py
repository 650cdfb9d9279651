"""Bills and statements, their stage history, their versions and the changes alerts consume."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.sources import Source


class Document(Base):
    """One bill or one statement, as its source states it (normalised)."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_documents_jurisdiction_kind", "jurisdiction", "kind"),
        # Translation pairing looks statements up by source and publication instant.
        Index("ix_documents_source_instant", "source_id", "source_updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # models.vocabulary.DocumentKind
    jurisdiction: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(100), default="")  # "C-63", "HL Bill 12"
    reference_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    # models.records.bill_key: one bill stated by several sources is one document (AU).
    bill_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    title: Mapped[str] = mapped_column(Text)
    title_alt: Mapped[str] = mapped_column(Text, default="")  # the other official language
    session: Mapped[str] = mapped_column(String(50), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_alt: Mapped[str] = mapped_column(Text, default="")  # the other official language
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised before it gets here
    # A bill's newest text version in stage order (models.billtext.plain_text), kept by the
    # store when a text is stored; not a versioned field (texts have their own rows).
    latest_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    published_on: Mapped[date | None]  # introduced (bills) or published (statements)
    source_updated_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_stage: Mapped[str] = mapped_column(String(200), default="")
    stage_category: Mapped[str] = mapped_column(String(32), default="")
    stage_on: Mapped[date | None]  # the day of the latest dated event: the current stage's date
    chamber: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(200), default="")  # the source's words
    outcome: Mapped[str] = mapped_column(String(16), default="")  # models.vocabulary.OUTCOMES
    outcome_on: Mapped[date | None]
    titles: Mapped[list[dict[str, str]]] = mapped_column(default=list)  # every title given
    # The titles other than `title` and `title_alt`, one a line: what search indexes of them.
    other_titles: Mapped[str] = mapped_column(Text, default="")
    sponsor: Mapped[str] = mapped_column(String(300), default="")  # or issuing minister/department
    topics: Mapped[list[str]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # publications, links, ids
    content_hash: Mapped[str] = mapped_column(String(64), default="")

    source: Mapped[Source] = relationship()
    events: Mapped[list[BillEvent]] = relationship(
        back_populates="document", order_by="BillEvent.sequence"
    )
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )
    texts: Mapped[list[BillText]] = relationship(
        back_populates="document", order_by="BillText.sequence"
    )


class BillEvent(Base):
    """One step of a bill's history, as the source states it; never deleted."""

    __tablename__ = "bill_events"
    __table_args__ = (UniqueConstraint("document_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))  # source id of the event, or a stable hash
    # The slug of the source that stated it: a document merged from several sources reports
    # as vanished only the events of the source now listing its history.
    source: Mapped[str] = mapped_column(String(64), default="")
    occurred_on: Mapped[date | None]
    occurred_at: Mapped[datetime | None]  # when the source gives a time too
    chamber: Mapped[str] = mapped_column(String(64), default="")
    stage: Mapped[str] = mapped_column(String(200), default="")  # as stated by the source
    stage_alt: Mapped[str] = mapped_column(String(200), default="")  # other official language
    stage_category: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="events")


class DocumentVersion(Base):
    """The normalised fields each time the content hash changed."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class BillText(Base):
    """One published text version of a bill (US: a GovInfo BILLS XML), parsed into sections.

    Kept in stage order (`sequence`, models.billtext.stage_order): a version that arrives late
    is put in its place, never diffed against the wrong neighbour. A re-issued version (same
    code, new text) is a row of its own with a note.
    """

    __tablename__ = "bill_texts"
    __table_args__ = (UniqueConstraint("document_id", "code", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))  # GovInfo version code: "ih", "rh", "eh"...
    stage: Mapped[str] = mapped_column(String(200), default="")  # "Introduced in House"
    issued_on: Mapped[date | None]
    url: Mapped[str] = mapped_column(Text, default="")  # where the text was fetched from
    title: Mapped[str] = mapped_column(Text, default="")  # as the text itself states it
    # models.billtext.sections_to_json: [{"number", "heading", "text", "quoted": [...]}]
    sections: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    text_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(default=0)  # stage order among the bill's texts
    note: Mapped[str] = mapped_column(Text, default="")  # "arrived after ...", "re-issued ..."
    source: Mapped[str] = mapped_column(String(64), default="")  # the slug that fetched it
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="texts")


class Change(Base):
    """Something new for alerting. Ordered by id; `key` makes recording it idempotent."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # "doc:1", "event:7", "version:3"
    # "new_document" | "new_event" | "new_version" | "new_text"
    kind: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("bill_events.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE")
    )
    text_id: Mapped[int | None] = mapped_column(ForeignKey("bill_texts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    event: Mapped[BillEvent | None] = relationship()
    version: Mapped[DocumentVersion | None] = relationship()
    text: Mapped[BillText | None] = relationship()


class Checkpoint(Base):
    """A named position in an ordered stream, e.g. the last Change id matching consumed."""

    __tablename__ = "checkpoints"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
