"""Fixtures for the alerts tests: real bills stored through models.store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from models import Document
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)

Store = Callable[[DocumentRecord], Document]


@pytest.fixture
def store(session: Session) -> Store:
    """Upsert a record (creating its source) and commit, as a crawl would."""

    def _store(record: DocumentRecord) -> Document:
        source = ensure_source(
            session, slug=record.source, jurisdiction=record.jurisdiction, kind="bills"
        )
        outcome = upsert_document(session, source, record, NOW)
        session.commit()
        return outcome.document

    return _store
