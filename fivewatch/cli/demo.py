"""`fivewatch demo`: the whole flow on the recorded snapshot, into a fresh SQLite file."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.backends.file import FileBackend
from alerts.deliver import queue_deliveries, send_pending
from alerts.match import match_changes
from alerts.subscriptions import find_documents, follow, subscribe
from crawlers.process import run_crawl
from fivewatch.cli.common import console, emit, log_level, session_factory, session_scope
from fivewatch.cli.crawl import RUN_COLUMNS, run_rows
from fivewatch.config import Config
from models import Alert, Delivery, Document, Source, utcnow
from models.db import make_engine, upgrade

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SUBSCRIPTIONS = Path(__file__).resolve().parents[1] / "demo_subscriptions.toml"


def add_sample_subscriptions(session: Session, path: Path = SAMPLE_SUBSCRIPTIONS) -> int:
    """The demo's subscribers are confirmed directly: they stand for people who opted in."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("subscription", []):
        subscribe(
            session,
            email=entry["email"],
            query=entry["query"],
            name=entry["name"],
            jurisdictions=entry.get("jurisdictions", ()),
            doc_types=entry.get("types", ()),
            confirmed=True,
        )
    for entry in data.get("follow", []):
        for document in find_documents(session, entry["reference"], entry.get("jurisdiction"))[:1]:
            follow(session, email=entry["email"], document=document, confirmed=True)
    return len(data.get("subscription", [])) + len(data.get("follow", []))


def documents_per_source(session: Session) -> list[dict[str, Any]]:
    query = (
        select(Source.slug, Source.jurisdiction, Document.kind, func.count(Document.id))
        .join(Document, Document.source_id == Source.id)
        .group_by(Source.slug, Source.jurisdiction, Document.kind)
        .order_by(Source.jurisdiction, Source.slug)
    )
    return [
        {"source": slug, "jurisdiction": jurisdiction, "type": kind, "documents": count}
        for slug, jurisdiction, kind, count in session.execute(query)
    ]


def fresh_workspace(directory: Path) -> Config:
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "outbox").mkdir(parents=True)
    return Config.from_env().with_overrides(
        database_url=f"sqlite:///{directory / 'fivewatch.db'}",
        outbox_dir=str(directory / "outbox"),
    )


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Where the demo writes.",
)
@click.option(
    "--cassette",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "cassettes",
    show_default=True,
    help="Recorded responses to replay.",
)
def demo(directory: Path, cassette: Path) -> None:
    """Replay the recorded sources into a fresh SQLite file, match sample subscriptions, email."""
    config = fresh_workspace(directory.resolve())
    upgrade(make_engine(config.database_url))
    console.rule("1. Crawl (replaying recorded responses)")
    run_ids = run_crawl(
        None,
        database_url=config.database_url,
        replay_dir=cassette,
        log_level=log_level(),
        own_logging=False,
    )
    with session_scope(config) as session:
        emit(run_rows(session, run_ids), RUN_COLUMNS, "table", title="Crawl runs (replay)")
        console.rule("2. Sample subscriptions, matching")
        subscriptions = add_sample_subscriptions(session)
        matched = match_changes(session, utcnow())
        queued = queue_deliveries(session, utcnow())
    sent = send_pending(
        session_factory(config),
        FileBackend(config.outbox_path),
        now=utcnow(),
        mail_from=config.mail_from,
        base_url=config.base_url,
    )
    with session_scope(config) as session:
        emit(
            documents_per_source(session),
            ("source", "jurisdiction", "type", "documents"),
            "table",
            title="Documents stored per source",
        )
        alerts = session.scalar(select(func.count(Alert.id)))
        emails = session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))
    console.rule("3. Result")
    console.print(
        f"{subscriptions} sample subscriptions; {matched.changes_seen} changes matched into "
        f"{alerts} alerts; {queued} emails queued, {emails} sent ({sent}).\n"
        f"Database: {directory / 'fivewatch.db'}\n"
        f"[bold]Emails written to {config.outbox_path}[/bold]"
        " — open any .eml file in a mail client."
    )
