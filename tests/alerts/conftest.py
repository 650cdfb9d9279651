"""Fixtures for the alerts tests: real bills stored through models.store."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.match import match_changes
from alerts.subscriptions import subscribe
from models import Alert, Document
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

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


@pytest.fixture
def alerts(session: Session, store: Store) -> list[Alert]:
    """Alerts on the real UK bill 2818 and Canadian bill S-209 for one confirmed subscriber."""
    subscribe(session, email="a@example.org", query="bill OR act", confirmed=True)
    # The real UK record with markup in its title, as a hostile source could send it.
    store(dataclasses.replace(uk_bill_2818(), title="Abolition of <b>Business</b> Rates Bill"))
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    return list(session.scalars(select(Alert).order_by(Alert.id)))
