"""`fivewatch export` / `fivewatch import`: a crawled SQLite collection moved whole, ids kept.

The source database is the project's cassettes crawled on replay (real recorded bodies), with
subscribers, alerts and a sent delivery, so every table carries rows. The target is the `db_url`
fixture: an empty migrated SQLite file or PostgreSQL database.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.orm import Session

from alerts.suppression import BLOCKED, AddressReport, record_report
from fivewatch.cli import cli
from fivewatch.transfer import MANIFEST, _snapshot, tables
from models import Document, Source, Subscriber
from models.db import make_engine
from models.store import ensure_source
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
QUERIES = ('"online harms"', "child* AND (online OR internet)", "grooming OR sextortion", "bill")
# A UK bill by its Parliament id, a US bill by number, Canadian bills by number.
# Subscribers, subscriptions (a query and a followed bill), alerts and deliveries.
AFTER_CRAWL = (
    ("subscribe", "analyst@example.org", "--query", "online OR internet", "--confirmed"),
    ("follow", "follower@example.org", "C-63", "-j", "ca", "--confirmed"),
    ("match",),
    ("send",),
)
HISTORIES = (("2818", "uk"), ("S. 2138", "us"), ("C-63", "ca"), ("S-209", "ca"))


def fivewatch(*args: str, db_url: str, cwd: Path, check: bool = True) -> Result:
    """The command in this process (fast); only the crawl needs a process of its own."""
    environment = {"FIVEWATCH_OUTBOX_DIR": str(cwd / "outbox")}
    arguments = [*args, "--database-url", db_url]
    result = CliRunner().invoke(cli, arguments, env=environment, catch_exceptions=False)
    if check and result.exit_code != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result


def crawl(db_url: str, cwd: Path, *spider: str) -> None:
    command = [sys.executable, "-m", "fivewatch", "crawl", "--replay", str(CASSETTES), *spider]
    subprocess.run(
        [*command, "--database-url", db_url], cwd=cwd, check=True, timeout=300, capture_output=True
    )


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding every kind of row: crawled, subscribed, matched and sent."""
    work = tmp_path_factory.mktemp("collection")
    url = f"sqlite:///{work / 'source.db'}"
    fivewatch("db", "upgrade", db_url=url, cwd=work)
    crawl(url, work)
    # A first run stops short of H.R. 1500, the bill whose text versions are recorded.
    crawl(url, work, "us-govinfo-billstatus", "-a", "bills=116/hr/1500")
    for args in AFTER_CRAWL:
        fivewatch(*args, db_url=url, cwd=work)
    record_blocked_bounce(url)
    return url


def record_blocked_bounce(url: str) -> None:
    """A provider's report kept in delivery_events: a temporary ("blocked") bounce, which
    suppresses nothing, so the other answers stay those of the crawl and the sends."""
    engine = make_engine(url)
    with Session(engine) as session:
        report = AddressReport(
            provider="sendgrid",
            event_id="transfer-test-blocked-1",
            email="analyst@example.org",
            event=BLOCKED,
            reason="451 4.7.1 try again later",
            occurred_at=datetime(2026, 12, 3, 6, 47, tzinfo=UTC),
            provider_label="SendGrid",
        )
        assert record_report(session, report)
        session.commit()
    engine.dispose()


def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = {
            t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key))]
            for t in tables()
        }
    engine.dispose()
    return rows


def answers(url: str, cwd: Path) -> dict[str, Any]:
    """What analysts see: search results and bill histories, as JSON."""
    found = {
        q: fivewatch("search", q, "--format", "json", db_url=url, cwd=cwd).stdout for q in QUERIES
    }
    for reference, jurisdiction in HISTORIES:
        history = fivewatch(
            "history", reference, "-j", jurisdiction, "--format", "json", db_url=url, cwd=cwd
        ).stdout
        found[f"history {reference}"] = history
    return {key: json.loads(value) for key, value in found.items()}


def exported(collection: str, tmp_path: Path, name: str = "export") -> Path:
    target = tmp_path / name
    fivewatch("export", str(target), db_url=collection, cwd=tmp_path)
    return target


def test_every_table_has_rows_to_move(collection: str) -> None:
    empty = {name for name, rows in table_rows(collection).items() if not rows}
    assert empty == set()  # document_links too: Hansard statements name bills and Acts


def test_import_gives_the_same_search_and_history_answers(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    fivewatch("import", str(exported(collection, tmp_path)), db_url=db_url, cwd=tmp_path)
    before = answers(collection, tmp_path)
    assert all(before[q] for q in QUERIES[:2])  # the comparison is about something
    assert before["history C-63"][0]["events"]
    assert answers(db_url, tmp_path) == before


def test_import_keeps_every_row_ids_and_zoned_timestamps(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    fivewatch("import", str(exported(collection, tmp_path)), db_url=db_url, cwd=tmp_path)
    imported = table_rows(db_url)
    assert imported == table_rows(collection)
    seen = imported["documents"][0]["first_seen_at"]
    assert seen.tzinfo is UTC


def test_new_rows_after_import_get_fresh_ids(
    collection: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    fivewatch("import", str(exported(collection, tmp_path)), db_url=db_url, cwd=tmp_path)
    fivewatch(
        "subscribe",
        "newcomer@example.org",
        "--query",
        "grooming",
        "--confirmed",
        db_url=db_url,
        cwd=tmp_path,
    )
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Subscriber.id).order_by(Subscriber.id)))
    assert len(ids) == len(set(ids)) == len(table_rows(collection)["subscribers"]) + 1


def test_a_tar_gz_export_round_trips(collection: str, db_url: str, tmp_path: Path) -> None:
    archive = exported(collection, tmp_path, "backup.tar.gz")
    assert tarfile.is_tarfile(archive)
    fivewatch("import", str(archive), db_url=db_url, cwd=tmp_path)
    assert table_rows(db_url) == table_rows(collection)


def test_import_refuses_a_database_that_is_not_empty_unless_forced(
    collection: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    folder = exported(collection, tmp_path)
    fivewatch("import", str(folder), db_url=db_url, cwd=tmp_path)
    with engine.begin() as conn:
        conn.execute(update(Document).values(title="changed after import"))
    refused = fivewatch("import", str(folder), db_url=db_url, cwd=tmp_path, check=False)
    assert refused.exit_code == 1
    assert "not empty" in refused.stderr
    with engine.connect() as conn:
        assert set(conn.scalars(select(Document.title))) == {"changed after import"}
    fivewatch("import", str(folder), "--force", db_url=db_url, cwd=tmp_path)
    assert table_rows(db_url) == table_rows(collection)


def test_a_truncated_export_names_file_and_line_and_imports_nothing(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    folder = exported(collection, tmp_path)
    events = folder / "bill_events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    events.write_text(
        "\n".join([*lines[:3], lines[3][: len(lines[3]) // 2]]) + "\n", encoding="utf-8"
    )
    refused = fivewatch("import", str(folder), db_url=db_url, cwd=tmp_path, check=False)
    assert refused.exit_code == 1
    assert "bill_events.jsonl line 4" in refused.stderr
    assert not any(table_rows(db_url).values())


def test_an_export_from_another_schema_revision_is_refused(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    folder = exported(collection, tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["schema_revision"] = "0001"
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    refused = fivewatch("import", str(folder), db_url=db_url, cwd=tmp_path, check=False)
    assert refused.exit_code == 1
    assert "schema revision 0001" in refused.stderr
    assert not any(table_rows(db_url).values())


def test_a_field_the_schema_dropped_is_skipped_on_import(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    # An export written before 0011 dropped sources.health still carries the field.
    folder = exported(collection, tmp_path)
    sources = folder / "sources.jsonl"
    rows = [json.loads(line) for line in sources.read_text(encoding="utf-8").splitlines()]
    older = "".join(json.dumps({**row, "health": "healthy"}) + "\n" for row in rows)
    sources.write_text(older, encoding="utf-8")
    fivewatch("import", str(folder), db_url=db_url, cwd=tmp_path)
    assert table_rows(db_url) == table_rows(collection)


def test_documents_csv_lists_every_document_for_analysts(collection: str, tmp_path: Path) -> None:
    folder = exported(collection, tmp_path)
    with (folder / "documents.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    documents = table_rows(collection)["documents"]
    assert [int(row["id"]) for row in rows] == [doc["id"] for doc in documents]
    c63 = next(row for row in rows if row["reference"] == "C-63")
    assert c63["source"] == "ca-legisinfo-bills"
    assert datetime.fromisoformat(c63["first_seen_at"]).tzinfo is not None


def test_exporting_over_an_earlier_export_is_refused(collection: str, tmp_path: Path) -> None:
    folder = exported(collection, tmp_path)
    again = fivewatch("export", str(folder), db_url=collection, cwd=tmp_path, check=False)
    assert again.exit_code == 1
    assert "already holds an export" in again.stderr


def test_the_imported_database_exports_back_into_a_fresh_sqlite_file_unchanged(
    collection: str, db_url: str, tmp_path: Path
) -> None:
    fivewatch("import", str(exported(collection, tmp_path)), db_url=db_url, cwd=tmp_path)
    again = exported(db_url, tmp_path, "again.tar.gz")
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    fivewatch("db", "upgrade", db_url=fresh, cwd=tmp_path)
    fivewatch("import", str(again), db_url=fresh, cwd=tmp_path)
    assert table_rows(fresh) == table_rows(collection)


def test_an_export_reads_one_snapshot_while_others_write(engine: Engine) -> None:
    def sources(conn: Connection) -> int:
        return conn.scalar(select(func.count()).select_from(Source)) or 0

    with _snapshot(engine) as reading:
        before = sources(reading)
        with Session(engine) as writer:
            ensure_source(writer, slug="uk-bills", jurisdiction="uk", kind="bills")
            writer.commit()
        assert sources(reading) == before
    with engine.connect() as conn:
        assert sources(conn) == before + 1
