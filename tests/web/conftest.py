"""The web app on a migrated database (SQLite and PostgreSQL) holding real documents.

Bills: the real UK bill 2818 and Canadian S-209 (tests/alerts/realbills.py). Statements: the
real Canada News Centre entries (tests/crawlers/test_feed_base.py); one is DERIVED in
`mentioning_statement` to name S-209, since no recorded statement does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fivewatch.config import Config, Secret
from fivewatch.web import create_app
from models import Document
from models.document_links import link_statement
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.crawlers.test_statements_links import canada_records

NOW = datetime(2026, 11, 29, 5, tzinfo=UTC)
SECRET = "web-tests-secret"
ADMIN_PASSWORD = "correct horse battery staple"


def web_config(db_url: str, outbox: Path, admin_password: str = ADMIN_PASSWORD) -> Config:
    base = Config.from_env({})
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    fields |= {
        "database_url": db_url,
        "secret_key": SECRET,
        "outbox_dir": str(outbox),
        "base_url": "http://localhost:8000",
        "admin_password": Secret(admin_password),
    }
    return Config(**fields)


def store(session: Session, record: DocumentRecord, kind: str) -> Document:
    source = ensure_source(session, slug=record.source, jurisdiction=record.jurisdiction, kind=kind)
    document = upsert_document(session, source, record, NOW).document
    session.flush()
    if document.kind == "statement":
        link_statement(session, document)
    return document


def mentioning_statement() -> DocumentRecord:
    """A real Canada statement, its text DERIVED to name Bill S-209."""
    real = canada_records()[0]
    text = f"{real.body_text}\nThe Government supports Bill S-209 in the Senate."
    return dataclasses.replace(real, external_id=f"{real.external_id}-s209", body_text=text)


@dataclass
class Corpus:
    uk: Document
    ca: Document
    statements: list[Document]
    mentioning: Document


@pytest.fixture
def corpus(session: Session) -> Corpus:
    uk = store(session, uk_bill_2818(), "bills")
    # S-209 first as a crawl before its latest stage, then as recorded: a stage change.
    earlier = ca_bill_s209()
    store(session, dataclasses.replace(earlier, events=earlier.events[:-1]), "bills")
    session.commit()
    ca = store(session, ca_bill_s209(), "bills")
    statements = [store(session, record, "statements") for record in canada_records()[:6]]
    mentioning = store(session, mentioning_statement(), "statements")
    session.commit()
    return Corpus(uk, ca, statements, mentioning)


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def client(db_url: str, outbox: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_config(db_url, outbox))) as test_client:
        yield test_client
