"""Fixtures for the alerts tests: real bills stored through models.store."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.match import match_changes
from alerts.query import MatchDocument
from alerts.query.ast import TITLE_KEY
from alerts.subscriptions import subscribe
from models import Alert, Document
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document
from tests.alerts.mailservers import SmtpScript, start_smtp_server
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)

Store = Callable[[DocumentRecord], Document]


def holds_any(doc: MatchDocument, keys: AbstractSet[str]) -> bool:
    """Whether the text holds one of these index keys (`child*` is a prefix key; `title:child`
    and `title:child*` must be in the title): what a term index's keys promise."""
    return any(_holds(doc, key) for key in keys)


def _holds(doc: MatchDocument, key: str) -> bool:
    in_title = key.startswith(TITLE_KEY)
    key = key.removeprefix(TITLE_KEY)
    words = doc.words[: doc.title_length] if in_title else doc.words
    if key.endswith("*"):
        return any(word.startswith(key[:-1]) for word in words)
    return key in words


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


@pytest.fixture
def smtp() -> Iterator[tuple[str, SmtpScript]]:
    """A real SMTP server (aiosmtpd) on loopback: its URL and the script it follows."""
    script = SmtpScript()
    server = start_smtp_server(script)
    yield server.url(), script
    server.controller.stop()
