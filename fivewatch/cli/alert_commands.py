"""Subscriptions and the alert flow: `subscribe`, `follow`, `confirm`, `unsubscribe`,
`subscribers`, `subscriptions`, `match`, `send`, `deliveries`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.backends.interface import MailBackend
from alerts.deliver import DeliverySummary
from alerts.delivery_record import DELIVERY_RECORD_COLUMNS, delivery_record
from alerts.match import match_changes
from alerts.query import QuerySyntaxError
from alerts.query.pitfalls import pitfalls
from alerts.requeue import requeue_failed
from alerts.schedule import WEEKDAYS
from alerts.subscriptions import (
    compose_query,
    confirm_by_token,
    follow,
    subscribe,
    unsubscribe_address,
)
from alerts.tokens import TokenError
from fivewatch.cli.common import (
    console,
    database_option,
    emit,
    format_option,
    load_config,
    resolve_one,
    session_factory,
    session_scope,
)
from fivewatch.cli.outbox_views import preview_summary, preview_text, record_lines
from fivewatch.cli.stopping import exit_if_stopped, stop_on_signals
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError, NotFound
from fivewatch.mailer import deliver, mail_backend, preview_due
from fivewatch.send_check import check_send_config
from models import Delivery, Subscriber, Subscription, utcnow
from models.vocabulary import DOCUMENT_KINDS, FREQUENCIES, JURISDICTIONS, Frequency


@click.command("subscribe")
@click.argument("email")
@click.option("--query", "-q", default="", help="Alert query, e.g. '\"online safety\" OR CSAM'.")
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="SLUG",
    help="Only documents on this topic (repeatable: any of them; `fivewatch topics` lists "
    "them); with --query, documents on the topic that match the query.",
)
@click.option("--name", default="", help="A name for this subscription.")
@click.option("--jurisdiction", "-j", multiple=True, type=click.Choice(JURISDICTIONS))
@click.option("--type", "doc_types", multiple=True, type=click.Choice(DOCUMENT_KINDS))
@click.option(
    "--frequency",
    type=click.Choice(FREQUENCIES),
    default=Frequency.IMMEDIATE.value,
    show_default=True,
)
@click.option("--new-documents-only", is_flag=True, help="Do not alert on stage changes.")
@click.option(
    "--text-terms",
    is_flag=True,
    help="Also alert when the query's words appear in or disappear from a bill's text.",
)
@click.option(
    "--timezone", default=None, help="Digests arrive at --digest-hour here, e.g. Europe/London."
)
@click.option(
    "--digest-hour",
    type=click.IntRange(0, 23),
    default=None,
    help="The hour (0-23) daily and weekly digests arrive; 7 unless set.",
)
@click.option(
    "--digest-weekday",
    type=click.Choice(WEEKDAYS, case_sensitive=False),
    default=None,
    help="The day weekly digests arrive; monday unless set.",
)
@click.option(
    "--channel",
    default="",
    help="Also notify this chat or webhook destination (its FIVEWATCH_CHANNEL_<NAME>).",
)
@click.option("--no-email", is_flag=True, help="With --channel: notify the channel only.")
@click.option("--confirmed", is_flag=True, help="Operator use: skip double opt-in.")
@database_option
def subscribe_command(
    email: str,
    query: str,
    topics: tuple[str, ...],
    name: str,
    jurisdiction: tuple[str, ...],
    doc_types: tuple[str, ...],
    frequency: str,
    new_documents_only: bool,
    text_terms: bool,
    timezone: str | None,
    digest_hour: int | None,
    digest_weekday: str | None,
    channel: str,
    no_email: bool,
    confirmed: bool,
    database_url: str | None,
) -> None:
    """Subscribe EMAIL to alerts matching --query and/or --topic (a confirmation email is sent
    first). A query that probably means something else is subscribed as written, with a warning
    on stderr suggesting the query it may mean."""
    if no_email and not channel:
        raise click.UsageError("--no-email needs --channel: alerts must go somewhere")
    if channel and not (channel.isascii() and channel.replace("_", "").isalnum()):
        hint = "letters, digits and _ only: it names FIVEWATCH_CHANNEL_<NAME>"
        raise click.BadParameter(hint, param_hint="--channel")
    if not query.strip() and not topics:
        raise click.UsageError("give --query, --topic or both: what should the alerts be about?")
    words = query
    config = load_config(database_url)
    try:
        query = compose_query(words, topics)  # an unknown topic: the error lists them
        with session_scope(config) as session:
            subscription = subscribe(
                session,
                email=email,
                query=query,
                name=name,
                jurisdictions=jurisdiction,
                doc_types=doc_types,
                frequency=frequency,
                include_events=not new_documents_only,
                text_terms=text_terms,
                confirmed=confirmed,
                timezone=timezone,
            )
            _set_digest_times(subscription.subscriber, digest_hour, digest_weekday)
            subscription.channel, subscription.by_email = channel.lower(), not no_email
            session.flush()
            console.print(f"Subscription {subscription.id} for {email}: {query}")
            for pitfall in pitfalls(words) if words.strip() else ():
                click.echo(f"warning: {pitfall}", err=True)
            if channel and channel.lower() not in config.channels:
                console.print(
                    f"channel {channel.lower()!r} is not configured: its notifications are held "
                    f"until FIVEWATCH_CHANNEL_{channel.upper()}=<kind>:<url> is set"
                )
    except QuerySyntaxError as error:
        raise FiveWatchError(f"invalid query:\n{error.pretty()}") from error
    except ValueError as error:
        raise FiveWatchError(str(error)) from error


def _set_digest_times(subscriber: Subscriber, hour: int | None, weekday: str | None) -> None:
    """The address's digest times, where given (they apply to all its digests)."""
    if hour is not None:
        subscriber.digest_hour = hour
    if weekday is not None:
        subscriber.digest_weekday = WEEKDAYS.index(weekday.lower())


@click.command("follow")
@click.argument("email")
@click.argument("reference")
@click.option("--jurisdiction", "-j", type=click.Choice(JURISDICTIONS), default=None)
@click.option("--confirmed", is_flag=True, help="Operator use: skip double opt-in.")
@database_option
def follow_command(
    email: str, reference: str, jurisdiction: str | None, confirmed: bool, database_url: str | None
) -> None:
    """Alert EMAIL on every new stage or version of the bill REFERENCE."""
    with session_scope(load_config(database_url)) as session:
        document = resolve_one(session, reference, jurisdiction)
        subscription = follow(session, email=email, document=document, confirmed=confirmed)
        session.flush()
        console.print(f"Subscription {subscription.id}: {email} follows {document.title}")


@click.command("match")
@database_option
def match_command(database_url: str | None) -> None:
    """Match new changes against every subscription (idempotent)."""
    config = load_config(database_url)
    with stop_on_signals() as stop, session_scope(config) as session:
        summary = match_changes(session, utcnow(), stop)
    console.print(f"{summary.changes_seen} changes read, {summary.alerts_created} alerts created")
    exit_if_stopped(stop, "those alerts are saved; the next `fivewatch match` goes on from there")


@click.command("send")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the emails a send would send now (and hand them to the provider's sandbox); "
    "nothing is claimed or changed.",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="First put failed deliveries back in the queue (once their cause is fixed); they are "
    "rendered again, with the links configured now.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="With --retry-failed: only deliveries queued since this UTC date (or date and time).",
)
@database_option
def send_command(
    dry_run: bool, retry_failed: bool, since: datetime | None, database_url: str | None
) -> None:
    """Queue confirmations, due alerts and digests, then send them."""
    if since is not None and not retry_failed:
        raise click.UsageError("--since goes with --retry-failed")
    if dry_run and retry_failed:
        raise click.UsageError("--dry-run shows the queue as it is: run it without --retry-failed")
    config = load_config(database_url)
    if dry_run:
        _preview(config)
        return
    check_send_config(config)  # before anything is requeued, queued or claimed
    if not config.secret_key:
        console.print(
            "[yellow]FIVEWATCH_SECRET_KEY is not set: alert emails go out without "
            "manage or one-click unsubscribe links[/yellow]"
        )
    if retry_failed:
        with session_scope(config) as session:
            requeued = requeue_failed(session, since and since.replace(tzinfo=UTC))
        console.print(f"Failed deliveries: {requeued}")
    with stop_on_signals() as stop:
        sessions = session_factory(config)
        summary = deliver(config, mail_backend(config), sessions, stop=stop)
    _report(summary)
    exit_if_stopped(
        stop, f"each email handed over is recorded; {summary.released} released to the next send"
    )


def _report(summary: DeliverySummary) -> None:
    console.print(f"Emails: {summary}")
    if summary.uncertain or summary.resent:
        console.print(
            f"[yellow]{summary.uncertain} uncertain now, {summary.resent} resent: the provider "
            "could not say whether they were sent; they may arrive twice (see the log)[/yellow]"
        )
    if summary.held:
        console.print(
            f"[red]{summary.held} held: their content could not be rendered or was refused; "
            "kept with their alerts and tried again later (the log names each)[/red]"
        )


def _preview(config: Config) -> None:
    """`send --dry-run`: every email a send would send now, on stdout; with a configuration a
    send would refuse, the preview still shows and the sandbox is skipped."""
    try:
        check_send_config(config)
        backend: MailBackend | None = mail_backend(config)
    except FiveWatchError as error:
        console.print(f"[yellow]{error} (the send would stop here)[/yellow]")
        backend = None
    previews = preview_due(config, backend, session_factory(config))
    click.echo(preview_summary(previews))
    for preview in previews:
        click.echo(preview_text(preview))


def token_of(link: str) -> str:
    """The token of a pasted confirm link (`https://…/confirm/TOKEN?x#y`), or the token itself."""
    _, _, after = link.strip().rpartition("/confirm/")
    return after.split("?")[0].split("#")[0].strip("/")


@click.command("confirm")
@click.argument("token")
@database_option
def confirm_command(token: str, database_url: str | None) -> None:
    """Confirm a subscription with TOKEN, or its whole confirm link pasted (what a click does)."""
    config = load_config(database_url)
    if not config.secret_key:
        raise FiveWatchError("FIVEWATCH_SECRET_KEY is not set: confirm tokens cannot be checked")
    try:
        with session_scope(config) as session:
            subscription = confirm_by_token(session, config.secret_key, token_of(token), utcnow())
            console.print(
                f"Confirmed subscription {subscription.id} for {subscription.subscriber.email}"
            )
    except TokenError as error:
        raise FiveWatchError(str(error)) from error
    except LookupError as error:
        raise NotFound(str(error)) from error


@click.command("unsubscribe")
@click.argument("email")
@click.option("--bounced", is_flag=True, help="Record a hard bounce instead of an unsubscribe.")
@click.option(
    "--subscription",
    "subscription_id",
    type=int,
    default=None,
    help="Stop only this subscription of EMAIL (its id in `fivewatch subscriptions EMAIL`).",
)
@database_option
def unsubscribe_command(
    email: str, bounced: bool, subscription_id: int | None, database_url: str | None
) -> None:
    """Stop all mail to EMAIL at once (queued emails are cancelled, not sent), or with
    --subscription one of its subscriptions (the others go on)."""
    if subscription_id is not None:
        if bounced:
            raise click.UsageError("--bounced stops the address: it takes no --subscription")
        stop_subscription(email, subscription_id, database_url)
        return
    try:
        with session_scope(load_config(database_url)) as session:
            subscriber = unsubscribe_address(session, email, utcnow(), bounced=bounced)
            console.print(
                f"{subscriber.email}: {'bounced' if bounced else 'unsubscribed'}; no more mail"
            )
    except ValueError as error:
        raise FiveWatchError(str(error)) from error
    except LookupError as error:
        raise NotFound(str(error)) from error


def stop_subscription(email: str, subscription_id: int, database_url: str | None) -> None:
    """Switch one subscription of `email` off, as the manage page's "pause" does."""
    with session_scope(load_config(database_url)) as session:
        subscription = session.get(Subscription, subscription_id)
        if subscription is None or subscription.subscriber.email != email.strip().lower():
            raise NotFound(f"{email} has no subscription {subscription_id}")
        subscription.active = False
        console.print(f"{subscription.subscriber.email}: subscription {subscription_id} stopped")


SUBSCRIBER_COLUMNS = (
    "id", "email", "state", "timezone", "subscriptions", "emails_sent", "why_stopped"
)  # fmt: skip
SUBSCRIPTION_COLUMNS = (
    "id", "email", "name", "query", "follows", "filters", "frequency", "state"
)  # fmt: skip
# JSON and CSV: the table's columns and the flags `filters` and `state` are read from.
SUBSCRIPTION_EXPORT_COLUMNS = (*SUBSCRIPTION_COLUMNS, "jurisdictions", "types", "text_terms",
                               "new_documents_only", "active")  # fmt: skip


def _state(subscriber: Subscriber) -> str:
    if subscriber.bounced_at is not None:
        return "bounced"
    if subscriber.unsubscribed_at is not None:
        return "unsubscribed"
    return "confirmed" if subscriber.confirmed_at is not None else "unconfirmed"


def _why_stopped(subscriber: Subscriber) -> str:
    """The reason a bounce or a provider's report stopped the mail ("" while mail flows: a
    confirm link after an unsubscribe leaves the old reason behind)."""
    return subscriber.suppressed_reason if _state(subscriber) in ("bounced", "unsubscribed") else ""


def subscriber_rows(session: Session) -> list[dict[str, Any]]:
    sent = (
        select(Delivery.subscriber_id, func.count(Delivery.id).label("sent"))
        .where(Delivery.status == "sent")
        .group_by(Delivery.subscriber_id)
        .subquery()
    )
    statement = (
        select(Subscriber, func.coalesce(sent.c.sent, 0))
        .outerjoin(sent, sent.c.subscriber_id == Subscriber.id)
        .order_by(Subscriber.id)
    )
    return [
        {"id": s.id, "email": s.email, "state": _state(s), "timezone": s.timezone,
         "subscriptions": len(s.subscriptions), "emails_sent": count,
         "why_stopped": _why_stopped(s)}
        for s, count in session.execute(statement)
    ]  # fmt: skip


def _follows(subscription: Subscription) -> str:
    """The followed bill by its number, or its title when it has none (a UK bill)."""
    document = subscription.followed_document
    return (document.reference or document.title) if document is not None else ""


def _filters(subscription: Subscription) -> str:
    """What narrows the query, in words: "uk, ca; bill; text terms; new documents only"."""
    parts = [", ".join(subscription.jurisdictions), ", ".join(subscription.doc_types)]
    parts += ["text terms"] if subscription.text_terms else []
    parts += [] if subscription.include_events else ["new documents only"]
    parts += [f"channel {subscription.channel}"] if subscription.channel else []
    return "; ".join(part for part in parts if part)


def _subscription_state(subscription: Subscription) -> str:
    """Whether it alerts: the address's stop (unsubscribed, bounced) before its own switch."""
    state = _state(subscription.subscriber)
    if state != "confirmed":
        return state
    return "active" if subscription.active else "stopped"


def subscription_rows(session: Session, email: str | None) -> list[dict[str, Any]]:
    statement = select(Subscription).join(Subscriber).order_by(Subscription.id)
    if email:
        statement = statement.where(Subscriber.email == email.strip().lower())
    return [
        {"id": s.id, "email": s.subscriber.email, "name": s.name, "query": s.query,
         "follows": _follows(s), "filters": _filters(s), "frequency": s.frequency,
         "state": _subscription_state(s), "jurisdictions": s.jurisdictions,
         "types": s.doc_types, "text_terms": s.text_terms,
         "new_documents_only": not s.include_events, "active": s.active}
        for s in session.scalars(statement)
    ]  # fmt: skip


@click.command("subscribers")
@format_option
@database_option
def subscribers_command(fmt: str, database_url: str | None) -> None:
    """List subscribers: confirmed, unconfirmed, unsubscribed or bounced (and why), emails sent."""
    with session_scope(load_config(database_url)) as session:
        emit(subscriber_rows(session), SUBSCRIBER_COLUMNS, fmt, title="Subscribers")


@click.command("subscriptions")
@click.argument("email", required=False)
@format_option
@database_option
def subscriptions_command(email: str | None, fmt: str, database_url: str | None) -> None:
    """List subscriptions (of EMAIL, or everyone's): query or followed bill, frequency."""
    with session_scope(load_config(database_url)) as session:
        columns = SUBSCRIPTION_COLUMNS if fmt == "table" else SUBSCRIPTION_EXPORT_COLUMNS
        emit(subscription_rows(session, email), columns, fmt, title="Subscriptions")


@click.command("deliveries")
@click.argument("email")
@format_option
@database_option
def deliveries_command(email: str, fmt: str, database_url: str | None) -> None:
    """Every email and notification to EMAIL, newest first: when, kind, status, last error."""
    with session_scope(load_config(database_url)) as session:
        address = email.strip().lower()
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == address))
        if subscriber is None:
            raise NotFound(f"no subscriber with the address {email}")
        rows = delivery_record(session, subscriber.id)
    if fmt == "table":
        click.echo("\n".join(record_lines(subscriber.email, rows)))
    else:
        emit([row.export() for row in rows], DELIVERY_RECORD_COLUMNS, fmt)
