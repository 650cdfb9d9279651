"""The outbox (DESIGN §5): alerts -> one Delivery per subscriber -> claimed, sent, recorded.

Each delivery is claimed and committed before it is sent, and its outcome is committed right
after, so a crash loses at most the one in flight. That one stays "sending" until its lease
runs out; the next run reports it as uncertain and sends it again (at-least-once, logged).
Digests (daily/weekly) are a later issue: alerts of those subscriptions are left unqueued.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, selectinload

from alerts.backends.base import (
    MailBackend,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.render import render_alerts
from alerts.subscriptions import receiving_mail
from models import Alert, Change, Delivery, Subscriber, Subscription

log = logging.getLogger(__name__)
# How long a claimed delivery may stay "sending" before another run treats it as lost.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)

SessionFactory = Callable[[], Session]
HeadersFor = Callable[[Subscriber], Mapping[str, str]]


@dataclass
class DeliverySummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.uncertain} uncertain"
        )


def queue_deliveries(session: Session, now: datetime) -> int:
    """One pending Delivery per subscriber for its unassigned immediate alerts; returns count."""
    rows = session.execute(
        select(Alert.id, Subscription.subscriber_id)
        .join(Subscription, Alert.subscription_id == Subscription.id)
        .join(Subscriber, Subscription.subscriber_id == Subscriber.id)
        .where(
            Alert.delivery_id.is_(None),
            Subscription.frequency == "immediate",
            Subscription.active.is_(True),
            receiving_mail(),
        )
        .order_by(Alert.id)
        .with_for_update(skip_locked=True, of=Alert)
    )
    per_subscriber: dict[int, list[int]] = defaultdict(list)
    for alert_id, subscriber_id in rows:
        per_subscriber[subscriber_id].append(alert_id)
    return sum(
        _queue_one(session, subscriber_id, alert_ids, now)
        for subscriber_id, alert_ids in per_subscriber.items()
    )


def _queue_one(session: Session, subscriber_id: int, alert_ids: list[int], now: datetime) -> int:
    delivery = Delivery(subscriber_id=subscriber_id, status="pending", created_at=now)
    session.add(delivery)
    session.flush()
    assigned = session.execute(
        update(Alert)
        .where(Alert.id.in_(alert_ids), Alert.delivery_id.is_(None))
        .values(delivery_id=delivery.id)
    ).rowcount  # type: ignore[attr-defined]
    if not assigned:  # another worker queued them first
        session.delete(delivery)
        return 0
    return 1


def send_pending(
    session_factory: SessionFactory,
    backend: MailBackend,
    *,
    now: datetime,
    mail_from: str,
    base_url: str,
    dry_run: bool = False,
    headers_for: HeadersFor | None = None,
) -> DeliverySummary:
    """Send due deliveries one at a time; a dry run renders and hands them over unchanged."""
    summary = DeliverySummary()
    sender = _Sender(session_factory, backend, now, mail_from, base_url, headers_for)
    if dry_run:
        for due_id in sender.due_ids():
            sender.dry_run(due_id)
        return summary
    summary.uncertain = sender.release_stale_claims()
    while (delivery_id := sender.claim_next()) is not None:
        outcome = sender.send(delivery_id)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


@dataclass
class _Sender:
    session_factory: SessionFactory
    backend: MailBackend
    now: datetime
    mail_from: str
    base_url: str
    headers_for: HeadersFor | None
    # Claimed in this run already: a retry waits for the next run, even with Retry-After: 0.
    tried: set[int] = field(default_factory=set)

    def _due(self) -> ColumnElement[bool]:
        return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= self.now)

    def due_ids(self) -> list[int]:
        with self.session_factory() as session:
            statement = select(Delivery.id).where(Delivery.status == "pending", self._due())
            return list(session.scalars(statement.order_by(Delivery.id)))

    def release_stale_claims(self) -> int:
        """Deliveries left "sending" past their lease: a run crashed mid-send. Resend them."""
        with self.session_factory() as session, session.begin():
            stale = list(
                session.scalars(
                    select(Delivery)
                    .where(Delivery.status == "sending", Delivery.next_attempt_at <= self.now)
                    .with_for_update(skip_locked=True)
                )
            )
            for delivery in stale:
                log.warning(
                    "delivery %d: outcome unknown (a run stopped while sending); "
                    "sending again, so it may arrive twice",
                    delivery.id,
                )
                delivery.status = "pending"
                delivery.last_error = "uncertain: a run stopped while sending; resent"
            return len(stale)

    def claim_next(self) -> int | None:
        """Mark one due delivery "sending" (attempts+1, with a lease) and commit the claim."""
        with self.session_factory() as session, session.begin():
            candidates = session.scalars(
                select(Delivery.id)
                .where(Delivery.status == "pending", self._due(), Delivery.id.not_in(self.tried))
                .order_by(Delivery.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            for delivery_id in candidates:
                claimed = session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery_id, Delivery.status == "pending")
                    .values(
                        status="sending",
                        attempts=Delivery.attempts + 1,
                        next_attempt_at=self.now + LEASE,
                    )
                ).rowcount  # type: ignore[attr-defined]
                if claimed:
                    self.tried.add(delivery_id)
                    return delivery_id
        return None

    def send(self, delivery_id: int) -> str:
        """Render, send with no transaction open, then record the outcome; returns its kind."""
        with self.session_factory() as session:
            try:
                message = self._render(self._load(session, delivery_id))
            except Exception as error:  # a rendering bug must not leave it "sending" forever
                log.exception("delivery %d: could not render", delivery_id)
                reason = f"could not render: {error!r}"
                return self._record(delivery_id, "", lambda d: self._fail(d, reason))
        subject = str(message["Subject"])
        try:
            result = self.backend.send(message, delivery_id=delivery_id)
        except TemporaryFailure as error:
            retry = (str(error), error.retry_after)
            return self._record(delivery_id, subject, lambda d: self._retry(d, *retry))
        except UncertainDelivery as error:
            log.warning("delivery %d: %s; will send again (at-least-once)", delivery_id, error)
            reason = f"uncertain: {error}"
            return self._record(delivery_id, subject, lambda d: self._retry(d, reason, None))
        except PermanentFailure as error:
            reason = str(error)
            return self._record(delivery_id, subject, lambda d: self._fail(d, reason))
        return self._record(delivery_id, subject, lambda d: self._mark_sent(d, result))

    def _record(self, delivery_id: int, subject: str, apply: Callable[[Delivery], str]) -> str:
        with self.session_factory() as session, session.begin():
            delivery = session.get_one(Delivery, delivery_id)
            delivery.subject = subject or delivery.subject
            return apply(delivery)

    def _mark_sent(self, delivery: Delivery, result: SendResult) -> str:
        delivery.status = "sent"
        delivery.provider = result.provider
        delivery.provider_message_id = result.provider_message_id
        delivery.sent_at = self.now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        return "sent"

    def dry_run(self, delivery_id: int) -> None:
        with self.session_factory() as session:
            delivery = self._load(session, delivery_id)
            self.backend.send(self._render(delivery), delivery_id=delivery_id, dry_run=True)

    def _load(self, session: Session, delivery_id: int) -> Delivery:
        statement = (
            select(Delivery)
            .where(Delivery.id == delivery_id)
            .options(
                selectinload(Delivery.subscriber),
                selectinload(Delivery.alerts)
                .selectinload(Alert.change)
                .selectinload(Change.document),
            )
        )
        return session.scalars(statement).one()

    def _render(self, delivery: Delivery) -> EmailMessage:
        alerts = sorted(delivery.alerts, key=lambda alert: alert.id)
        headers = self.headers_for(delivery.subscriber) if self.headers_for else None
        return render_alerts(
            alerts,
            to=delivery.subscriber.email,
            mail_from=self.mail_from,
            base_url=self.base_url,
            now=self.now,
            delivery_id=delivery.id,
            extra_headers=headers,
        )

    def _retry(self, delivery: Delivery, error: str, retry_after: float | None) -> str:
        if delivery.attempts >= MAX_ATTEMPTS:
            return self._fail(delivery, f"gave up after {delivery.attempts} attempts: {error}")
        backoff = timedelta(minutes=2**delivery.attempts)
        wait = timedelta(seconds=retry_after) if retry_after is not None else backoff
        delivery.status = "pending"
        delivery.next_attempt_at = self.now + min(wait, MAX_BACKOFF)
        delivery.last_error = error
        log.warning(
            "delivery %d: temporary failure, retry at %s: %s",
            delivery.id,
            delivery.next_attempt_at.isoformat(),
            error,
        )
        return "retried"

    def _fail(self, delivery: Delivery, error: str) -> str:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        delivery.last_error = error
        log.error(
            "delivery %d to subscriber %d failed: %s", delivery.id, delivery.subscriber_id, error
        )
        return "failed"
