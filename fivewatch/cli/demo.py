"""`fivewatch demo`: the whole flow on the recorded snapshot, into a fresh SQLite file."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.backends.file import FileBackend
from alerts.deliver import DeliverySummary, queue_deliveries, send_pending
from alerts.match import match_changes
from alerts.schedule import DEFAULT_HOUR, next_digest
from alerts.subscriptions import confirm_by_token, follow, subscribe
from crawlers.process import run_crawl, sync_sources
from fivewatch.cli.common import console, log_level, session_factory, session_scope
from fivewatch.cli.crawl import run_rows, source_rows
from fivewatch.cli.crawl_progress import crawl_progress
from fivewatch.cli.demo_webhook import with_demo_webhook
from fivewatch.config import Config, Secret
from fivewatch.health_policy import HealthPolicy
from fivewatch.mailer import deliver, mail_links
from models import Alert, Delivery, Source, utcnow
from models.db import make_engine, upgrade
from models.lookup import find
from models.vocabulary import Frequency

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SUBSCRIPTIONS = Path(__file__).resolve().parents[1] / "demo_subscriptions.toml"
# Only when FIVEWATCH_SECRET_KEY is unset, and only here: the demo's links must be signed too.
DEMO_ONLY_KEY = "DEMO-ONLY key (fivewatch demo; never used in production paths)"
SCREEN_WIDTH = 100  # the demo's tables fit one screen of this width
WRAPPED = "why"  # the one column of the sources' table long enough to wrap
CONFIRM_LINK = re.compile(r"/confirm/(\S+)")
# DEMO-ONLY starting watermarks. A first run looks back only a few days from the newest update
# a source lists; GovInfo's recorded sitemap index (Feb 2025) would then lead only to 118th/119th
# sitemaps we never recorded. Starting us-govinfo-billstatus as if last crawled on 2019-01-01
# makes the demo walk the index to the BILLSTATUS files we hold (114th-117th, H.R. 1500's full
# history among them) through the derived per-type sitemaps of its cassette; every other sitemap
# the index lists is a declared gap. A real deployment starts with no watermark.
DEMO_WATERMARKS = {"us-govinfo-billstatus": "2019-01-01T00:00:00+00:00"}


def start_from_demo_watermarks(config: Config) -> None:
    """Store the demo's starting watermarks (the Source rows are created first) and say so."""
    with session_scope(config) as session:
        sync_sources(session)
        for slug, watermark in DEMO_WATERMARKS.items():
            source = session.scalar(select(Source).where(Source.slug == slug))
            if source is not None:
                source.watermark = watermark
                console.print(f"[yellow]{slug} starts from a DEMO-ONLY watermark, {watermark}")


def add_sample_subscriptions(session: Session, path: Path = SAMPLE_SUBSCRIPTIONS) -> int:
    """The demo's subscribers start unconfirmed: double opt-in, as for anyone."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("subscription", []):
        subscription = subscribe(
            session,
            email=entry["email"],
            query=entry["query"],
            name=entry["name"],
            jurisdictions=entry.get("jurisdictions", ()),
            doc_types=entry.get("types", ()),
            text_terms=entry.get("text_terms", False),
            frequency=entry.get("frequency", Frequency.IMMEDIATE),
        )
        subscription.channel = entry.get("channel", "")
        subscription.by_email = entry.get("by_email", True)
    for entry in data.get("follow", []):
        found = find(session, entry["reference"], entry.get("jurisdiction"))
        if found is not None:
            follow(session, email=entry["email"], document=found.document)
    return len(data.get("subscription", [])) + len(data.get("follow", []))


def source_summary(session: Session, config: Config, run_ids: list[int]) -> list[dict[str, Any]]:
    """Per source: its replayed run, the documents it holds, and its health as `fivewatch
    sources` judges it (a replay proves the parser on what was recorded; blind sources stay
    "unverified"), its reason cut to the words before any advice."""
    runs = {row["source"]: row for row in run_rows(session, run_ids)}
    return [
        {
            "source": health["slug"],
            "run": runs.get(health["slug"], {}).get("status", "not run"),
            "items": runs.get(health["slug"], {}).get("items", 0),
            "documents": health["documents"],
            "health": health["health"],
            "why": health["reason"].split(";")[0],
        }
        for health in source_rows(session, HealthPolicy.from_config(config))
    ]


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    """A compact table on the demo's console, no wider than one screen."""
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    for column in rows[0] if rows else ():
        table.add_column(column, no_wrap=column != WRAPPED)
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table, width=min(console.width, SCREEN_WIDTH))


def sent(summary: DeliverySummary) -> str:
    """A delivery summary's counts that are not zero: "4 sent", "3 sent, 1 to retry"."""
    parts = [part for part in str(summary).split(", ") if not part.startswith("0 ")]
    return ", ".join(parts) or "none"


def fresh_workspace(directory: Path) -> Config:
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "outbox").mkdir(parents=True)
    return Config.from_env().with_overrides(
        database_url=f"sqlite:///{directory / 'fivewatch.db'}",
        outbox_dir=str(directory / "outbox"),
    )


def with_demo_key(config: Config) -> Config:
    if config.secret_key:
        return config
    console.print(f"[yellow]FIVEWATCH_SECRET_KEY is not set: signing links with a {DEMO_ONLY_KEY}")
    return replace(config, secret_key=Secret(DEMO_ONLY_KEY))


def outbox_messages(config: Config) -> list[EmailMessage]:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(config.outbox_path.glob("*.eml"))
    ]


def click_confirm_links(config: Config) -> int:
    """Do what each reader does: open the confirmation email and use its confirm links."""
    tokens = [
        token
        for message in outbox_messages(config)
        if str(message["Subject"]).startswith("Confirm your FiveWatch")
        for token in CONFIRM_LINK.findall(_plain_text(message))
    ]
    with session_scope(config) as session:
        for token in tokens:
            confirm_by_token(session, config.secret_key, token, utcnow())
    return len(tokens)


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


def opt_in_and_alert(config: Config) -> tuple[int, int, DeliverySummary, DeliverySummary]:
    """Subscriptions -> confirmation emails -> confirm links used -> matching -> alert emails."""
    outbox, sessions = FileBackend(config.outbox_path), session_factory(config)
    with session_scope(config) as session:
        subscriptions = add_sample_subscriptions(session)
    confirmations = deliver(config, outbox, sessions)
    confirmed = click_confirm_links(config)
    with session_scope(config) as session:
        match_changes(session, utcnow())
    return subscriptions, confirmed, confirmations, deliver(config, outbox, sessions)


def next_morning_digests(config: Config) -> DeliverySummary:
    """DEMO-ONLY clock: the daily digests as the next 07:00 UTC (the sample readers' time)
    queues and sends them, so the demo need not wait a night. The sources' incidents stay as
    the replay left them: a source down since then is named in the digest."""
    morning = next_digest(Frequency.DAILY, "UTC", utcnow(), hour=DEFAULT_HOUR, weekday=0)
    console.print(f"[yellow]The demo's clock moves to {morning:%Y-%m-%d %H:%M} UTC (DEMO-ONLY)")
    with session_scope(config) as session:
        queue_deliveries(session, morning)
    outbox, links = FileBackend(config.outbox_path), mail_links(config)
    return send_pending(
        session_factory(config), outbox, now=morning, mail_from=config.mail_from, links=links
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
    config = with_demo_key(fresh_workspace(directory.resolve()))
    config = with_demo_webhook(config, directory.resolve() / "webhooks")
    upgrade(make_engine(config.database_url))
    console.rule("1. Crawl (replaying recorded responses)")
    start_from_demo_watermarks(config)
    with crawl_progress(console, config.database_url, []):
        run_ids = run_crawl(
            None,
            database_url=config.database_url,
            replay_dir=cassette,
            log_level=log_level(),
            own_logging=False,
        )
    with session_scope(config) as session:
        print_table(source_summary(session, config, run_ids), "Sources: replayed run and health")
    console.rule("2. Sample subscriptions: double opt-in, matching, alert emails")
    subscriptions, confirmed, confirmations, alerted = opt_in_and_alert(config)
    digests = next_morning_digests(config)
    with session_scope(config) as session:
        alerts = session.scalar(select(func.count(Alert.id)))
        emails = session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))
    console.rule("3. Result")
    webhooks = directory.resolve() / "webhooks"
    console.print(
        f"{subscriptions} sample subscriptions; confirmation emails: {sent(confirmations)}; "
        f"{confirmed} confirm links used; {alerts} alerts; alert emails: {sent(alerted)}; "
        f"daily digests the next morning: {sent(digests)}; {emails} emails sent in all.\n"
        f"Database: {directory / 'fivewatch.db'}\n"
        f"[bold]Emails written to {config.outbox_path}[/bold]"
        " — open any .eml file in a mail client.\n"
        f"[bold]Webhook notifications: {len(list(webhooks.glob('*.json')))} received by the "
        f"demo's local receiver and written to {webhooks}[/bold]"
        " (the JSON as POSTed; counted above among the alert deliveries)."
    )
