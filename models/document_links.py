"""Links between documents: a statement mentions a bill, translates another, or is the same.

- `mentions`: a statement names a bill ("Bill C-63", "H.R. 1", "Online Safety Bill"). Stored by
  the bill's reference key, not its row, so the link holds whichever is crawled first; the
  look-up (`statements_mentioning`) matches the key against a bill's reference and title.
- `translation`: the English and French editions of one Government of Canada release. Nothing
  in an entry points to its twin, so the rule is: same source, same publication instant to the
  second, other language, and exactly one candidate each way (ambiguous groups stay unlinked).
- `same_as`: a Five Country Ministerial statement published by several governments is one
  document: every later copy (topic `five-country-ministerial`, published within
  FIVE_COUNTRY_WINDOW of the first) points at the first stored one, the canonical document.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from models.documents import Document
from models.records import BILL, STATEMENT
from models.text import reference_key

MENTIONS = "mentions"
TRANSLATION = "translation"
SAME_AS = "same_as"
FIVE_COUNTRY_TOPIC = "five-country-ministerial"
FIVE_COUNTRY_WINDOW = timedelta(days=7)

# Bill references a statement may name, with the jurisdiction the form belongs to ("" = any).
# Bare Canadian numbers ("C-63") and bare US Senate numbers ("S. 1748") count only in that
# country's statements: elsewhere they are too often a form, a route or a page number.
_REFERENCE_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\b(?:Bill|projet de loi)\s+([CS])-(\d{1,4})\b", re.I), "ca", "{0}-{1}"),
    (re.compile(r"\bH\.\s?R\.\s?(\d{1,5})\b"), "us", "H.R. {0}"),
    (re.compile(r"\b((?:[A-Z][\w'’()-]*\s+){1,7}Bill)\b"), "", "{0}"),
)
_BARE_PATTERNS: dict[str, tuple[re.Pattern[str], str, str]] = {
    "ca": (re.compile(r"\b([CS])-(\d{1,4})\b"), "ca", "{0}-{1}"),
    "us": (re.compile(r"(?<![.\w])S\.\s?(\d{1,5})\b"), "us", "S. {0}"),
    # Australian statements and motions name Acts by title and year ("Online Safety Act 2021").
    "au": (re.compile(r"\b((?:[A-Z][\w'’()-]*\s+){1,7}Act\s+\d{4})\b"), "au", "{0}"),
}
# Words that start a sentence before a bill's name, not part of it.
_LEADING_WORDS = re.compile(r"^(?:(?:The|This|That|A|An|Our|New|Government|Government's)\s+)+")


class DocumentLink(Base):
    """One directed link; unique per (from, kind, target)."""

    __tablename__ = "document_links"
    __table_args__ = (UniqueConstraint("from_document_id", "kind", "to_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # MENTIONS | TRANSLATION | SAME_AS
    # "doc:<id>" for a stored target, else the reference key of what was named.
    to_key: Mapped[str] = mapped_column(String(200), index=True)
    to_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE")
    )
    to_reference: Mapped[str] = mapped_column(String(300), default="")  # as named in the text
    to_jurisdiction: Mapped[str] = mapped_column(String(8), default="")  # "" = any
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    from_document: Mapped[Document] = relationship(foreign_keys=[from_document_id])
    to_document: Mapped[Document | None] = relationship(foreign_keys=[to_document_id])


def _reference(form: str, groups: tuple[str, ...]) -> str:
    reference = form.format(*(group.upper() if len(group) == 1 else group for group in groups))
    return _LEADING_WORDS.sub("", reference)


def bill_references(text: str, jurisdiction: str) -> dict[str, tuple[str, str]]:
    """Bills named in `text`: reference key -> (reference as we write it, its jurisdiction)."""
    patterns = list(_REFERENCE_PATTERNS)
    if jurisdiction in _BARE_PATTERNS:
        patterns.append(_BARE_PATTERNS[jurisdiction])
    found: dict[str, tuple[str, str]] = {}
    for pattern, where, form in patterns:
        for match in pattern.finditer(text):
            reference = _reference(form, match.groups())
            if " " in reference or where:  # a lone "Bill" is no name
                found.setdefault(reference_key(reference), (reference, where))
    return found


def _existing(session: Session, document: Document, kind: str, to_key: str) -> bool:
    query = select(DocumentLink.id).where(
        DocumentLink.from_document_id == document.id,
        DocumentLink.kind == kind,
        DocumentLink.to_key == to_key,
    )
    return session.scalars(query).first() is not None


def link_documents(
    session: Session,
    document: Document,
    kind: str,
    *,
    to_document: Document | None = None,
    to_reference: str = "",
    to_jurisdiction: str = "",
) -> DocumentLink | None:
    """Add one link unless it exists; returns the new link (None when it was there)."""
    to_key = f"doc:{to_document.id}" if to_document is not None else reference_key(to_reference)
    if not to_key or _existing(session, document, kind, to_key):
        return None
    link = DocumentLink(
        from_document=document,
        kind=kind,
        to_key=to_key,
        to_document=to_document,
        to_reference=to_reference,
        to_jurisdiction=to_jurisdiction,
    )
    session.add(link)
    session.flush()
    return link


def _link_mentions(session: Session, statement: Document) -> list[DocumentLink]:
    text = "\n".join([statement.title, statement.summary, statement.body_text])
    links = [
        link_documents(session, statement, MENTIONS, to_reference=ref, to_jurisdiction=where)
        for ref, where in bill_references(text, statement.jurisdiction).values()
    ]
    return [link for link in links if link is not None]


def _statements(session: Session, *conditions: ColumnElement[bool]) -> list[Document]:
    query = select(Document).where(Document.kind == STATEMENT, *conditions).order_by(Document.id)
    return list(session.scalars(query))


def translation_partner(session: Session, statement: Document) -> Document | None:
    """The one statement of the same source and instant in another language, if exactly one.

    A pair is exactly two statements at that instant (this one and one in another language):
    three rows are enough to tell, so a feed of thousands published at one instant costs one
    bounded, indexed query per statement (ix_documents_source_instant), not all of them each.
    """
    if statement.source_updated_at is None:
        return None
    query = (
        select(Document.id, Document.language)
        .where(
            Document.kind == STATEMENT,
            Document.source_id == statement.source_id,
            Document.source_updated_at == statement.source_updated_at,
        )
        .order_by(Document.id)
        .limit(3)
    )
    same_instant = session.execute(query).all()
    others = [row.id for row in same_instant if row.language != statement.language]
    if len(same_instant) != 2 or len(others) != 1:
        return None
    return session.get(Document, others[0])


def five_country_canonical(session: Session, statement: Document) -> Document | None:
    """The first stored Five Country Ministerial statement near this one's date (maybe itself)."""
    if FIVE_COUNTRY_TOPIC not in statement.topics or statement.published_on is None:
        return None
    near = _statements(
        session,
        Document.published_on >= statement.published_on - FIVE_COUNTRY_WINDOW,
        Document.published_on <= statement.published_on + FIVE_COUNTRY_WINDOW,
    )
    return next((doc for doc in near if FIVE_COUNTRY_TOPIC in doc.topics), None)


def link_statement(session: Session, statement: Document) -> list[DocumentLink]:
    """Every link a stored statement implies: mentions, its translation, its canonical copy."""
    links: list[DocumentLink | None] = list(_link_mentions(session, statement))
    partner = translation_partner(session, statement)
    if partner is not None:
        links.append(link_documents(session, statement, TRANSLATION, to_document=partner))
        links.append(link_documents(session, partner, TRANSLATION, to_document=statement))
    canonical = five_country_canonical(session, statement)
    if canonical is not None and canonical.id != statement.id:
        links.append(link_documents(session, statement, SAME_AS, to_document=canonical))
    return [link for link in links if link is not None]


def statements_mentioning(session: Session, document: Document) -> list[Document]:
    """Statements naming this bill (by its reference or its title), oldest first."""
    if document.kind != BILL:
        return []
    keys = {
        key for key in (reference_key(document.reference), reference_key(document.title)) if key
    }
    mentioning = select(DocumentLink.from_document_id).where(
        DocumentLink.kind == MENTIONS,
        DocumentLink.to_key.in_(keys),
        or_(
            DocumentLink.to_jurisdiction == "",
            DocumentLink.to_jurisdiction == document.jurisdiction,
        ),
    )
    query = (
        select(Document)
        .where(Document.id.in_(mentioning))
        .order_by(Document.published_on, Document.id)
    )
    return list(session.scalars(query))


def linked(session: Session, document: Document, kind: str) -> list[Document]:
    """Stored documents this one links to with `kind` (its translation, its canonical copy)."""
    query = (
        select(Document)
        .join(DocumentLink, DocumentLink.to_document_id == Document.id)
        .where(DocumentLink.from_document_id == document.id, DocumentLink.kind == kind)
        .order_by(Document.id)
    )
    return list(session.scalars(query))
