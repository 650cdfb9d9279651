"""`fivewatch import` of a database written before the edge checks (issue #15, item 8): a row no
database should hold is skipped with the rows that refer to it, each named by file and line, and
the rest arrives, into SQLite and PostgreSQL alike. Export still writes every row as stored.

The bad rows here are SYNTHETIC: written with SQL straight into SQLite, past the edge checks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from fivewatch.cli import cli
from models import Alert, Change, Delivery, Document, Subscriber, Subscription
from models.db import make_engine
from models.store import ensure_source

BAD_EMAIL = "bad\x00@example.org"  # SYNTHETIC: a NUL that sign-up let through before the fix


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _store_rows(engine: Engine) -> None:
    """Subscriber 1 is good; subscriber 3 (its address has a NUL), delivery 2 (a NUL in its
    error) and document 2 (a lone surrogate in a JSON column) are bad; the rest hang on them."""
    with engine.begin() as conn:
        # SYNTHETIC rows, in SQL as an older FiveWatch stored them (no edge check on the way).
        conn.execute(
            text(
                "INSERT INTO subscribers (id, email, timezone, created_at, feed_version) "
                "VALUES (1, 'good@example.org', 'UTC', '2026-01-01 00:00:00.000000', 0), "
                "(3, :bad, 'UTC', '2026-01-01 00:00:00.000000', 0)"
            ),
            {"bad": BAD_EMAIL},
        )
    with Session(engine) as session:
        source = ensure_source(session, slug="uk-bills", jurisdiction="uk", kind="bills")
        session.flush()
        for number in (1, 2):
            common = {"source_id": source.id, "kind": "bill", "jurisdiction": "uk"}
            session.add(Document(id=number, external_id=str(number), title="Bill", **common))
            session.add(
                Change(id=number, key=f"doc:{number}", kind="new_document", document_id=number)
            )
        session.add_all(
            [
                Subscription(id=1, subscriber_id=1, query="online"),
                Subscription(id=2, subscriber_id=1, followed_document_id=1),
                Subscription(id=3, subscriber_id=3, query="online"),
                Delivery(id=1, subscriber_id=1, status="sent"),
                # SYNTHETIC: a provider error with a NUL, stored by an older FiveWatch
                Delivery(id=2, subscriber_id=1, status="failed", last_error="refused\x00"),
                Delivery(id=3, subscriber_id=3, status="sent"),
            ]
        )
        session.flush()
        session.add_all(
            [
                Alert(id=1, subscription_id=1, change_id=1, delivery_id=1),
                Alert(id=2, subscription_id=2, change_id=1, delivery_id=2),
                Alert(id=3, subscription_id=3, change_id=1, delivery_id=3),
            ]
        )
        session.commit()
    with engine.begin() as conn:  # SYNTHETIC: JSON text whose escape decodes to a lone surrogate
        conn.execute(text("""UPDATE documents SET topics = '["\\ud800"]' WHERE id = 2"""))


@pytest.fixture
def before_the_fix(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database holding rows the edge now refuses, and rows that depend on them."""
    path = tmp_path / "before-the-fix.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    _store_rows(engine)
    engine.dispose()
    return url


def ids(engine: Engine, column: object) -> list[object]:
    with engine.connect() as conn:
        return list(conn.scalars(select(column).order_by(column)))  # type: ignore[call-overload]


def test_rows_no_database_should_hold_are_skipped_with_their_dependants(
    before_the_fix: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    archive = tmp_path / "before-the-fix.tar.gz"
    exported = invoke("export", str(archive), "--database-url", before_the_fix)
    assert exported.exit_code == 0, exported.output
    lines = exported.stderr.splitlines()
    warned = {line.split(": ")[1] for line in lines if line.startswith("warning: ")}
    assert warned == {
        "subscribers.jsonl line 2",
        "deliveries.jsonl line 2",
        "documents.jsonl line 2",
    }
    assert "subscribers.jsonl line 2: subscribers row id 3: not a valid email" in exported.stderr

    result = invoke("import", str(archive), "--database-url", db_url)

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    reported = set(result.stderr.splitlines())
    assert {
        "subscribers.jsonl line 2: skipped subscribers row id 3: not a valid email address: "
        "'bad\\x00@example.org' (expected name@example.org)",
        "documents.jsonl line 2: skipped documents row id 2: topics holds U+D800",
        "changes.jsonl line 2: skipped changes row id 2: its document_id 2 is a skipped "
        "documents row",
        "subscriptions.jsonl line 3: skipped subscriptions row id 3: its subscriber_id 3 is a "
        "skipped subscribers row",
        "deliveries.jsonl line 2: skipped deliveries row id 2: last_error holds U+0000",
        "deliveries.jsonl line 3: skipped deliveries row id 3: its subscriber_id 3 is a skipped "
        "subscribers row",
        "alerts.jsonl line 2: kept alerts row id 2: its delivery_id 2 is a skipped deliveries "
        "row: set to NULL",  # the schema's ON DELETE SET NULL
        "alerts.jsonl line 3: skipped alerts row id 3: its subscription_id 3 is a skipped "
        "subscriptions row",
    } <= reported
    assert ", skipped 7 (listed above) in " in " ".join(result.stderr.split())  # the summary

    assert ids(engine, Subscriber.id) == [1]
    assert ids(engine, Subscriber.email) == ["good@example.org"]
    assert ids(engine, Document.id) == ids(engine, Change.id) == [1]
    assert ids(engine, Subscription.id) == [1, 2]
    assert ids(engine, Delivery.id) == [1]
    with engine.connect() as conn:
        alerts = dict(conn.execute(select(Alert.id, Alert.delivery_id).order_by(Alert.id)).all())
    assert alerts == {1: 1, 2: None}


def test_export_writes_the_bad_rows_as_stored(before_the_fix: str, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    assert invoke("export", str(folder), "--database-url", before_the_fix).exit_code == 0
    subscribers = (folder / "subscribers.jsonl").read_text(encoding="utf-8")
    assert '"bad\\u0000@example.org"' in subscribers
    assert '["\\ud800"]' in (folder / "documents.jsonl").read_text(encoding="utf-8")
