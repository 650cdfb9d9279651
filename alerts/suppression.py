"""Addresses that get no more mail: the one place that decides what a report about an address
does (a provider's webhook event, or a mail server refusing the address).

- A hard bounce, a drop and a spam report set `bounced_at`: the address gets nothing more,
  whatever the person does on the web (a confirm link clears an unsubscribe, never a bounce).
- An unsubscribe reported by the provider (its own link, or a suppression group) is an
  unsubscribe as ours: the person can sign up again.

Either way `suppressed_reason` says why, in words, for the operator. Every report is kept once
as a DeliveryEvent (unique per provider and event id), so a replayed one changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.backends.interface import RecipientRefused
from models import Delivery, Subscriber
from models.subscribers import DeliveryEvent

log = logging.getLogger(__name__)

BOUNCE, DROPPED, SPAM_REPORT = "bounce", "dropped", "spamreport"
UNSUBSCRIBE, GROUP_UNSUBSCRIBE = "unsubscribe", "group_unsubscribe"
# "blocked": a bounce the receiving server means as temporary (SendGrid's type "blocked");
# kept as a record, the address stays on.
BLOCKED = "blocked"
BOUNCING = frozenset({BOUNCE, DROPPED, SPAM_REPORT})
UNSUBSCRIBING = frozenset({UNSUBSCRIBE, GROUP_UNSUBSCRIBE})
RECORDED = BOUNCING | UNSUBSCRIBING | {BLOCKED}


@dataclass(frozen=True)
class AddressReport:
    """What a provider or a mail server said about one address."""

    provider: str  # "sendgrid" | "smtp"
    event_id: str  # unique per provider: SendGrid's sg_event_id, "delivery-<id>" for SMTP
    email: str
    event: str  # one of RECORDED
    reason: str  # the provider's words: "550 5.1.1 user unknown"
    occurred_at: datetime
    provider_label: str  # "SendGrid", "SMTP smtp://relay:587", as the operator reads it

    def sentence(self) -> str:
        """`bounce: 550 5.1.1 user unknown (SendGrid, 2026-12-03 06:47 UTC)`."""
        detail = f"{self.event}: {self.reason}" if self.reason else self.event
        return f"{detail} ({self.provider_label}, {self.occurred_at:%Y-%m-%d %H:%M} UTC)"


def record_report(session: Session, report: AddressReport) -> bool:
    """Keep the report once and suppress the address it names when it calls for it.

    False for a replay (the same provider and event id kept before): nothing changes. An
    address we do not know is recorded and nothing else. The caller commits.
    """
    if report.event not in RECORDED:
        raise ValueError(f"{report.provider}: {report.event!r} is not an address event")
    if not _keep(session, report):
        log.info("%s event %s seen before: ignored", report.provider, report.event_id)
        return False
    subscriber = session.scalars(
        select(Subscriber).where(Subscriber.email == report.email.lower())
    ).first()
    if subscriber is not None and report.event in BOUNCING | UNSUBSCRIBING:
        suppress(subscriber, report)
    return True


def suppress(subscriber: Subscriber, report: AddressReport) -> None:
    """Stop all mail to the subscriber; the first cause stays the reason given."""
    if subscriber.bounced_at is not None:
        return
    if report.event in UNSUBSCRIBING:
        if subscriber.unsubscribed_at is not None:
            return
        subscriber.unsubscribe(report.occurred_at)
    else:
        subscriber.bounced_at = report.occurred_at
    subscriber.suppressed_reason = report.sentence()
    log.warning("%s: no more mail: %s", subscriber.email, subscriber.suppressed_reason)


def _keep(session: Session, report: AddressReport) -> bool:
    """Insert the DeliveryEvent in a savepoint; the unique (provider, event_id) refuses a
    replay, even one arriving at the same moment on another connection."""
    event = DeliveryEvent(
        provider=report.provider,
        event_id=report.event_id,
        email=report.email.lower(),
        event=report.event,
        reason=report.reason,
        occurred_at=report.occurred_at,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return False
    return True


def refusal_report(delivery: Delivery, refusal: RecipientRefused, now: datetime) -> AddressReport:
    """A mail server's 5xx to RCPT TO as a bounce, one per delivery attempt."""
    return AddressReport(
        provider="smtp",
        event_id=f"delivery-{delivery.id}-attempt-{delivery.attempts}",
        email=refusal.recipient,
        event=BOUNCE,
        reason=refusal.reply,
        occurred_at=now,
        provider_label="SMTP",
    )
