"""Subscriptions and the alert flow: `subscribe`, `follow`, `match`, `send`."""

from __future__ import annotations

import click

from alerts.backends.base import MailBackend
from alerts.backends.file import FileBackend
from alerts.deliver import queue_deliveries, send_pending
from alerts.match import match_changes
from alerts.query import QuerySyntaxError
from alerts.subscriptions import find_documents, follow, subscribe
from fivewatch.cli.common import console, database_option, load_config, session_factory, session_scope
from fivewatch.config import Config
from fivewatch.errors import FiveWatchError, NotFound
from models import utcnow

JURISDICTIONS = ("us", "uk", "ca", "au", "nz")
TYPES = ("bill", "statement")
FREQUENCIES = ("immediate", "daily", "weekly")


@click.command("subscribe")
@click.argument("email")
@click.option("--query", "-q", required=True, help='Alert query, e.g. \'"online safety" OR CSAM\'.')
@click.option("--name", default="", help="A name for this subscription.")
@click.option("--jurisdiction", "-j", multiple=True, type=click.Choice(JURISDICTIONS))
@click.option("--type", "doc_types", multiple=True, type=click.Choice(TYPES))
@click.option("--frequency", type=click.Choice(FREQUENCIES), default="immediate", show_default=True)
@click.option("--new-documents-only", is_flag=True, help="Do not alert on stage changes.")
@click.option("--confirmed", is_flag=True, help="Operator use: skip double opt-in.")
@database_option
def subscribe_command(email: str, query: str, name: str, jurisdiction: tuple[str, ...],
                      doc_types: tuple[str, ...], frequency: str, new_documents_only: bool,
                      confirmed: bool, database_url: str | None) -> None:
    """Subscribe EMAIL to alerts matching --query."""
    try:
        with session_scope(load_config(database_url)) as session:
            subscription = subscribe(
                session, email=email, query=query, name=name, jurisdictions=jurisdiction,
                doc_types=doc_types, frequency=frequency, include_events=not new_documents_only,
                confirmed=confirmed,
            )
            session.flush()
            console.print(f"Subscription {subscription.id} for {email}: {query}")
    except QuerySyntaxError as error:
        raise FiveWatchError(f"invalid query:\n{error.pretty()}") from error
    except ValueError as error:
        raise FiveWatchError(str(error)) from error


@click.command("follow")
@click.argument("email")
@click.argument("reference")
@click.option("--jurisdiction", "-j", type=click.Choice(JURISDICTIONS), default=None)
@click.option("--confirmed", is_flag=True, help="Operator use: skip double opt-in.")
@database_option
def follow_command(email: str, reference: str, jurisdiction: str | None, confirmed: bool,
                   database_url: str | None) -> None:
    """Alert EMAIL on every new stage or version of the bill REFERENCE."""
    with session_scope(load_config(database_url)) as session:
        documents = find_documents(session, reference, jurisdiction)
        if not documents:
            raise NotFound(f"no bill matches {reference!r}")
        subscription = follow(session, email=email, document=documents[0], confirmed=confirmed)
        session.flush()
        console.print(f"Subscription {subscription.id}: {email} follows {documents[0].title}")


@click.command("match")
@database_option
def match_command(database_url: str | None) -> None:
    """Match new changes against every subscription (idempotent)."""
    with session_scope(load_config(database_url)) as session:
        summary = match_changes(session, utcnow())
    console.print(f"{summary.changes_seen} changes read, {summary.alerts_created} alerts created")


def mail_backend(config: Config) -> MailBackend:
    """The backend FIVEWATCH_MAIL_BACKEND names; `file` writes .eml files to the outbox."""
    if config.mail_backend == "file":
        return FileBackend(config.outbox_path)
    raise FiveWatchError(f"mail backend {config.mail_backend!r} is not available")


@click.command("send")
@click.option("--dry-run", is_flag=True, help="Render and hand to the provider's sandbox only.")
@database_option
def send_command(dry_run: bool, database_url: str | None) -> None:
    """Queue due alerts into emails and send them."""
    config = load_config(database_url)
    with session_scope(config) as session:
        queued = queue_deliveries(session, utcnow())
    summary = send_pending(session_factory(config), mail_backend(config), now=utcnow(),
                           mail_from=config.mail_from, base_url=config.base_url, dry_run=dry_run)
    console.print(f"{queued} emails queued; {summary}")
