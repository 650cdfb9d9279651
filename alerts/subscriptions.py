"""Creating subscriptions (a query, or a followed bill) and resolving bill references."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from alerts.headers import header_text
from alerts.query import QuerySyntaxError, parse
from alerts.query.ast import And, Filter, Node
from alerts.tokens import MAX_AGE, Purpose, read_token
from models import Delivery, Document, Subscriber, Subscription, utcnow
from models.inputs import checked_text
from models.taxonomy import ANY_TOPIC, topic_labels
from models.vocabulary import DOCUMENT_KINDS, FREQUENCIES, JURISDICTIONS, Frequency

MAX_EMAIL = 254
MAX_NAME = 200  # Subscription.name's column
# Sign-ups waiting for their confirm link, and confirmation emails, per address while a confirm
# link is valid: beyond this a sign-up form makes no row and sends no email.
MAX_PENDING = 3
CONFIRM_WINDOW: timedelta = MAX_AGE[Purpose.CONFIRM]
# Deliberately simple: one @, no spaces or brackets, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")


def receiving_mail() -> ColumnElement[bool]:
    """SQL for Subscriber.can_receive: confirmed, not unsubscribed, not bounced."""
    return and_(
        Subscriber.confirmed_at.is_not(None),
        Subscriber.unsubscribed_at.is_(None),
        Subscriber.bounced_at.is_(None),
    )


def normalise_email(email: str) -> str:
    """The address lower-cased, or ValueError: the one check of web, CLI and import. A NUL,
    a control or format character, a space, <>, a comma or a second @ would end up in a To:
    header (or break an export on PostgreSQL); 254 is the most SMTP carries (RFC 5321)."""
    cleaned = email.strip().lower()
    if (
        len(cleaned) > MAX_EMAIL
        or not _EMAIL.match(cleaned)
        or any(unicodedata.category(char).startswith("C") for char in cleaned)
    ):
        raise ValueError(f"not a valid email address: {email!r} (expected name@example.org)")
    return cleaned


def topic_choices() -> tuple[str, ...]:
    """The topics a subscription can pick, in taxonomy order, then `any` (any of them)."""
    return (*topic_labels(), ANY_TOPIC)


def checked_topics(topics: Iterable[str]) -> list[str]:
    """Topic slugs in taxonomy order (`any` alone when picked: it covers the others), or
    ValueError naming the unknown one and listing the topics."""
    chosen = {topic.strip().lower() for topic in topics}
    allowed = topic_choices()
    if unknown := sorted(chosen - set(allowed)):
        raise ValueError(f"unknown topic {unknown[0]!r}: expected one of {', '.join(allowed)}")
    return [ANY_TOPIC] if ANY_TOPIC in chosen else [slug for slug in allowed if slug in chosen]


def compose_query(words: str, topics: Iterable[str] = ()) -> str:
    """The stored query of a form's words and picked topics: `topic:a|b AND (words)`, the topic
    filter alone, or the words alone. Raises ValueError for an unknown topic (the words are
    checked by `parse` where the query is stored)."""
    words = words.strip()
    picked = checked_topics(topics)
    if not picked:
        return words
    topic_filter = f"topic:{'|'.join(picked)}"
    return f"{topic_filter} AND ({words})" if words else topic_filter


def split_query(query: str) -> tuple[str, tuple[str, ...]]:
    """compose_query read back (for the manage form): the words and the topics of a query's
    top-level `topic:` filter. A query it cannot split exactly (a topic inside an OR, an
    invalid query) comes back whole, with no topic picked: nothing is ever reinterpreted."""
    head, _, rest = query.strip().partition(" ")
    if not head.lower().startswith("topic:"):
        return query, ()
    words = rest.strip().removeprefix("AND ").strip()
    if words.startswith("(") and words.endswith(")") and _parses(words[1:-1]):
        words = words[1:-1].strip()
    try:
        node = parse(query).root
        topics = _topic_values(node)
        if topics and parse(compose_query(words, topics)).root == node:
            return words, topics
    except (QuerySyntaxError, ValueError):
        pass
    return query, ()


def _parses(words: str) -> bool:
    try:
        parse(words)
    except QuerySyntaxError:
        return False
    return True


def _topic_values(node: Node) -> tuple[str, ...]:
    first = node.children[0] if isinstance(node, And) else node
    return first.values if isinstance(first, Filter) and first.field == "topic" else ()


def checked_name(name: str) -> str:
    """A subscription's name as given, or ValueError: one line, no control characters."""
    return checked_text(name, "the name", max_length=MAX_NAME, allowed="", one_line=True)


def sign_up_allowed(session: Session, email: str, now: datetime) -> bool:
    """Whether a sign-up for `email` may add a subscription and send a confirmation: not once
    the address has MAX_PENDING subscriptions waiting for confirmation, or was sent MAX_PENDING
    confirmation emails, within the confirm links' lifetime (a form cannot flood an inbox)."""
    since = now - CONFIRM_WINDOW
    waiting = select(func.count(Subscription.id)).where(
        Subscription.subscriber_id == Subscriber.id,
        Subscription.active.is_(False),
        Subscription.created_at > since,
    )
    mailed = select(func.count(Delivery.id)).where(
        Delivery.subscriber_id == Subscriber.id,
        Delivery.kind == "confirmation",
        Delivery.created_at > since,
    )
    counts = session.execute(
        select(waiting.scalar_subquery(), mailed.scalar_subquery()).where(
            Subscriber.email == normalise_email(email)
        )
    ).first()
    return counts is None or max(counts) < MAX_PENDING


def checked_timezone(name: str) -> str:
    """An IANA zone name digests can be timed by ("Pacific/Auckland"), or ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: expected e.g. Europe/London") from None
    return name


def subscriber_for(
    session: Session,
    email: str,
    *,
    confirmed: bool,
    now: datetime | None = None,
    timezone: str | None = None,
) -> Subscriber:
    """The subscriber row for `email`, reused when it exists; `timezone` times its digests."""
    address = normalise_email(email)
    subscriber = session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    if subscriber is None:
        subscriber = Subscriber(email=address, timezone="UTC")
        session.add(subscriber)
    if timezone:
        subscriber.timezone = checked_timezone(timezone)
    if confirmed and subscriber.confirmed_at is None:
        subscriber.confirmed_at = now or utcnow()
    return subscriber


def _checked(values: Iterable[str], allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = [value.lower() for value in values]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}: expected {', '.join(allowed)}")
    return chosen


def subscribe(
    session: Session,
    *,
    email: str,
    query: str,
    name: str = "",
    jurisdictions: Iterable[str] = (),
    doc_types: Iterable[str] = (),
    frequency: str = Frequency.IMMEDIATE,
    include_events: bool = True,
    text_terms: bool = False,
    confirmed: bool = False,
    timezone: str | None = None,
) -> Subscription:
    """A query subscription; raises QuerySyntaxError or ValueError on bad input.

    `text_terms`: also alert when the query's words appear in or disappear from a bill's
    text between two of its versions (alerts.textchanges)."""
    parse(query)
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}: expected {', '.join(FREQUENCIES)}")
    subscription = Subscription(
        subscriber=subscriber_for(session, email, confirmed=confirmed, timezone=timezone),
        name=checked_name(name),
        query=query,
        jurisdictions=_checked(jurisdictions, JURISDICTIONS, "jurisdiction"),
        doc_types=_checked(doc_types, DOCUMENT_KINDS, "type"),
        frequency=frequency,
        include_events=include_events,
        text_terms=text_terms,
    )
    session.add(subscription)
    session.flush()
    return subscription


def follow(
    session: Session, *, email: str, document: Document, confirmed: bool = False
) -> Subscription:
    """Alert on every new stage or version of `document`; following twice reuses the row."""
    subscriber = subscriber_for(session, email, confirmed=confirmed)
    session.flush()
    existing = session.scalars(
        select(Subscription).where(
            Subscription.subscriber_id == subscriber.id,
            Subscription.followed_document_id == document.id,
        )
    ).first()
    if existing is not None:
        existing.active = True
        return existing
    subscription = Subscription(
        subscriber=subscriber,
        followed_document=document,
        name=header_text(f"follow {document.reference or document.title}", MAX_NAME),
    )
    session.add(subscription)
    session.flush()
    return subscription


def confirm_by_token(session: Session, secret_key: str, token: str, now: datetime) -> Subscription:
    """What a click on the emailed confirm link does: the subscription on, the address confirmed.

    Raises TokenError (expired, forged, made for another link) or LookupError (deleted since).
    """
    subscription = session.get(Subscription, read_token(secret_key, Purpose.CONFIRM, token))
    if subscription is None:
        raise LookupError("this confirm link is for a subscription that no longer exists")
    subscription.active = True
    subscriber = subscription.subscriber
    subscriber.confirmed_at = subscriber.confirmed_at or now
    subscriber.unsubscribed_at = None
    return subscription


def unsubscribe_address(
    session: Session, email: str, now: datetime, *, bounced: bool = False
) -> Subscriber:
    """Stop all mail to `email` at once: queued deliveries are cancelled when their turn comes."""
    address = normalise_email(email)
    subscriber = session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    if subscriber is None:
        raise LookupError(f"no subscriber with the address {address}")
    if bounced:
        subscriber.bounced_at = subscriber.bounced_at or now
    else:
        subscriber.unsubscribe(now)
    return subscriber
