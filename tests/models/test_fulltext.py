"""Full-text candidates (models/fulltext.py) on SQLite FTS5 and PostgreSQL, on real bills."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Document
from models.fulltext import (
    ddl_statements,
    documents_containing_any,
    is_search_object,
    newest_containing_any,
)
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

NOW = datetime(2026, 11, 29, 5, tzinfo=UTC)


def _store(session: Session, record: DocumentRecord) -> Document:
    source = ensure_source(
        session, slug=record.source, jurisdiction=record.jurisdiction, kind="bills"
    )
    document = upsert_document(session, source, record, NOW).document
    session.commit()
    return document


def _ids(session: Session, *keys: str) -> set[int]:
    return set(session.scalars(documents_containing_any(session, keys)))


def test_finds_words_prefixes_and_folded_accents(session: Session) -> None:
    uk = _store(session, uk_bill_2818())
    ca = _store(session, ca_bill_s209())
    assert _ids(session, "rates") == {uk.id}
    assert _ids(session, "pornograph*") == {ca.id}
    # "Loi limitant l'accès en ligne" — the accent folds away as models.text.fold does.
    assert _ids(session, "acces") == {ca.id}
    assert _ids(session, "s", "209") == {ca.id}
    assert _ids(session, "rates", "pornography") == {uk.id, ca.id}
    assert _ids(session, "grooming") == set()


def test_index_follows_updates_and_deletes(session: Session) -> None:
    record = uk_bill_2818()
    uk = _store(session, record)
    record.title = "Abolition of Council Tax Bill"
    _store(session, record)
    assert _ids(session, "council") == {uk.id}
    assert _ids(session, "business") == {uk.id}  # still in the long title (summary)
    session.execute(delete(Document).where(Document.id == uk.id))
    session.commit()
    assert _ids(session, "council") == set()


def test_keys_are_cleaned_and_empty_selects_nothing(session: Session) -> None:
    ca = _store(session, ca_bill_s209())
    assert _ids(session) == set()
    assert _ids(session, '"young"', "*") == {ca.id}  # quotes and a bare star cannot inject
    assert session.scalars(select(Document.id)).all() == [ca.id]


def test_search_objects_are_recognised_and_dialects_checked() -> None:
    assert is_search_object("documents_fts_data")
    assert is_search_object("ix_documents_search")
    assert not is_search_object("documents")
    with pytest.raises(ValueError, match="mysql"):
        ddl_statements("mysql")


def test_newest_containing_any_pages_by_id(session: Session) -> None:
    uk = _store(session, uk_bill_2818())
    ca = _store(session, ca_bill_s209())
    both = ("rates", "pornography")
    assert newest_containing_any(session, both, 10) == [ca.id, uk.id]
    assert newest_containing_any(session, both, 1) == [ca.id]
    assert newest_containing_any(session, both, 10, before_id=ca.id) == [uk.id]
    assert newest_containing_any(session, (), 10) == []
