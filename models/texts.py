"""Storing a bill's text versions in stage order. Takes a Session; never commits.

A version is kept once per (bill, code, text): seen again, it adds nothing. Versions are put in
stage order (models.billtext.stage_order) whatever order they arrive in, so each is diffed
against its true neighbour: one that arrives after a later stage says so in its note. A
re-issued version (same code, new text) is placed right after the one it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.billtext import (
    TextVersionRecord,
    plain_text,
    sections_from_json,
    sections_to_json,
    stage_order,
)
from models.documents import BillText, Change, Document
from models.sources import Source


class UnknownBill(LookupError):
    """A text whose bill is not stored (under the source that fetched the text)."""


@dataclass
class TextOutcome:
    text: BillText
    created: bool


def version_name(record: TextVersionRecord) -> str:
    """How errors name a text: "116-hr-1500 Reported in House (rh)"."""
    stage = f" {record.stage}" if record.stage else ""
    return f"{record.bill_external_id}{stage} ({record.code})"


def store_text(session: Session, record: TextVersionRecord, now: datetime) -> TextOutcome:
    """Keep one text version of a stored bill; a new one is a `new_text` Change."""
    document = _bill(session, record)
    wanted = (record.code, record.text_hash)
    known = next((text for text in document.texts if (text.code, text.text_hash) == wanted), None)
    if known is not None:
        return TextOutcome(known, created=False)
    text = _new_text(record, now)
    text.note = _note(document.texts, text)
    document.texts.append(text)
    session.flush()  # ids: the order's tie-break, and the Change's key
    newest = _reorder(document)[-1]
    document.latest_text = plain_text(sections_from_json(newest.sections))
    session.add(
        Change(key=f"text:{text.id}", kind="new_text", document=document, text=text, created_at=now)
    )
    return TextOutcome(text, created=True)


def _bill(session: Session, record: TextVersionRecord) -> Document:
    statement = (
        select(Document)
        .join(Source)
        .where(Source.slug == record.source, Document.external_id == record.bill_external_id)
    )
    document = session.scalars(statement).one_or_none()
    if document is None:
        raise UnknownBill(f"{version_name(record)}: its bill is not stored; text not stored")
    return document


def _new_text(record: TextVersionRecord, now: datetime) -> BillText:
    return BillText(
        code=record.code,
        stage=record.stage,
        issued_on=record.issued_on,
        url=record.url,
        title=record.title,
        sections=sections_to_json(record.sections),
        text_hash=record.text_hash,
        source=record.source,
        first_seen_at=now,
    )


def _note(stored: list[BillText], text: BillText) -> str:
    """Why this version needs a word: it re-issues one, or it arrived after a later stage."""
    same_code = [old for old in stored if old.code == text.code]
    if same_code:
        issued = text.issued_on or text.first_seen_at.date()
        first_seen = max(same_code, key=lambda old: old.sequence).first_seen_at.date()
        return f"re-issued {issued}: replaces the text first seen {first_seen}"
    later = [old for old in stored if _stage_key(old) > _stage_key(text)]
    if later:
        following = min(later, key=_stage_key)
        return f"arrived after {following.stage or following.code} ({following.code})"
    return ""


def _stage_key(text: BillText) -> tuple[Any, ...]:
    return stage_order(text.code, text.issued_on)


def _reorder(document: Document) -> list[BillText]:
    """Sequence 1..n in stage order; a code's re-issues follow its first text, as they came."""
    first_of_code: dict[str, BillText] = {}
    for text in sorted(document.texts, key=lambda text: text.id):
        first_of_code.setdefault(text.code, text)

    def order(text: BillText) -> tuple[Any, ...]:
        return (_stage_key(first_of_code[text.code]), text.id)

    ordered = sorted(document.texts, key=order)
    for sequence, text in enumerate(ordered, start=1):
        text.sequence = sequence
    return ordered
