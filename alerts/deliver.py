"""The outbox (DESIGN §5): alerts, confirmations and admin notes -> Delivery rows -> sent.

Deliveries are claimed (a small batch, committed) before they are sent, and each outcome is
committed right after its send, so a crash loses nothing: what it left "sending" waits for its
lease to run out, and a lost provider answer is stored as "uncertain". Both are resent on the
next run with a warning that names them (at-least-once, never silent); whatever has its
provider id recorded is never sent again. Digests follow alerts.schedule.

A delivery whose content cannot be rendered, or that a provider refuses for what it holds, is
"held": kept with its alerts, logged as an error on every try, and tried again after a backoff
(a fix deployed meanwhile sends it). Content never makes alerts undeliverable for good.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, true, update
from sqlalchemy.orm import Session, joinedload, object_session, selectinload

from alerts.admin_mail import ADMIN, render_admin
from alerts.backends.interface import (
    ContentRefused,
    Mail,
    MailBackend,
    PermanentFailure,
    RecipientRefused,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.backends.webhook import WebhookBackend
from alerts.channels import Notification, notification
from alerts.mail_links import Links
from alerts.outages import outage_notices
from alerts.render import (
    EMAIL_ALERT_COLUMNS,
    EMAIL_CHANGE_COLUMNS,
    EMAIL_DOCUMENT_COLUMNS,
    EMAIL_EVENT_COLUMNS,
    MailContext,
    alerts_mail,
    confirmation_mail,
)
from alerts.schedule import digest_cutoff
from alerts.subscriptions import receiving_mail
from alerts.suppression import record_report, refusal_report
from models import Alert, Change, Delivery, Subscriber, Subscription
from models.vocabulary import Frequency

log = logging.getLogger(__name__)
# How long a claimed delivery may stay "sending" before another run treats it as lost.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# Claimed, loaded and rendered together; each is still sent and recorded on its own. A crash
# leaves at most this many "sending", resent after the lease (at-least-once, logged).
CLAIM_BATCH = 20
MAX_BACKOFF = timedelta(hours=6)
# A run's clock stands still, so a retry is never due within the run that deferred it, even
# with Retry-After: 0 (no spinning on one delivery).
MIN_RETRY_DELAY = timedelta(seconds=1)
ALERTS, CONFIRMATION = "alerts", "confirmation"
# Statuses a sender may claim: new, retried, and held (content that failed) when due again.
CLAIMABLE = ("pending", "held")
# The delivery kind of each frequency: immediate alerts, or a daily / weekly digest.
KIND_OF: dict[str, str] = {
    Frequency.IMMEDIATE: ALERTS,
    Frequency.DAILY: "daily",
    Frequency.WEEKLY: "weekly",
}

SessionFactory = Callable[[], Session]

# Recording a send, built once (the hot path of `fivewatch send`); the subject is kept when
# the rendered one is empty.
_MARK_SENT_KEEP_SUBJECT = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery_id"))
    .values(
        status="sent",
        provider=bindparam("provider"),
        provider_message_id=bindparam("provider_message_id"),
        sent_at=bindparam("sent_at"),
        next_attempt_at=None,
        last_error="",
    )
)
_MARK_SENT = _MARK_SENT_KEEP_SUBJECT.values(subject=bindparam("subject"))


@dataclass
class DeliverySummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0  # the provider could not tell; resent on the next run
    resent: int = 0  # uncertain or crashed earlier, resent now (may arrive twice)
    cancelled: int = 0  # unsubscribed or bounced after queueing
    released: int = 0  # claimed, then a stop came before it was handed over: pending again
    held: int = 0  # content could not be rendered or was refused: kept, tried again later

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.uncertain} uncertain, {self.resent} resent, {self.cancelled} cancelled, "
            f"{self.held} held"
        )


def queue_deliveries(session: Session, now: datetime) -> int:
    """One pending Delivery per subscriber and frequency for its due alerts; returns count."""
    rows = session.execute(
        select(
            Alert.id,
            Alert.created_at,
            Subscriber.id,
            Subscriber.timezone,
            Subscriber.digest_hour,
            Subscriber.digest_weekday,
            Subscription.frequency,
            Subscription.channel,
            Subscription.by_email,
        )
        .join(Subscription, Alert.subscription_id == Subscription.id)
        .join(Subscriber, Subscription.subscriber_id == Subscriber.id)
        .where(Alert.delivery_id.is_(None), Subscription.active.is_(True), receiving_mail())
        .order_by(Alert.id)
        .with_for_update(skip_locked=True, of=Alert)
    )
    # Keyed by (subscriber, kind, channel): '' is the email, which carries the alerts of every
    # subscription that emails; a channel-only subscription's alerts go on its channel's own.
    due: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    copies: dict[tuple[int, str], set[str]] = defaultdict(set)  # channels the email also feeds
    for (
        alert_id,
        created_at,
        subscriber_id,
        zone,
        hour,
        weekday,
        frequency,
        channel,
        by_email,
    ) in rows:
        if created_at <= digest_cutoff(frequency, zone, now, hour=hour, weekday=weekday):
            kind = KIND_OF.get(frequency, ALERTS)
            due[subscriber_id, kind, "" if by_email else channel].append(alert_id)
            if channel and by_email:
                copies[subscriber_id, kind].add(channel)
    return sum(
        _queue_one(session, key, alert_ids, now, copies[key[:2]] if not key[2] else set())
        for key, alert_ids in due.items()
    )


def _queue_one(
    session: Session,
    key: tuple[int, str, str],
    alert_ids: list[int],
    now: datetime,
    copies: set[str],
) -> int:
    """The delivery carrying these alerts, and one channel delivery per channel in `copies`
    that sends its share of them (Delivery.copy_of_id); returns how many were queued."""
    subscriber_id, kind, channel = key
    delivery = Delivery(
        subscriber_id=subscriber_id, kind=kind, channel=channel, status="pending", created_at=now
    )
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
    for name in sorted(copies):
        session.add(
            Delivery(
                subscriber_id=subscriber_id,
                kind=kind,
                channel=name,
                copy_of_id=delivery.id,
                status="pending",
                created_at=now,
            )
        )
    return 1 + len(copies)


def queue_confirmations(session: Session, now: datetime) -> int:
    """One confirmation email per unconfirmed subscriber that has none yet (double opt-in)."""
    already = exists().where(Delivery.subscriber_id == Subscriber.id, Delivery.kind == CONFIRMATION)
    waiting = session.scalars(
        select(Subscriber.id).where(
            Subscriber.confirmed_at.is_(None),
            Subscriber.unsubscribed_at.is_(None),
            Subscriber.bounced_at.is_(None),
            Subscriber.subscriptions.any(),
            ~already,
        )
    ).all()
    for subscriber_id in waiting:
        queue_confirmation(session, subscriber_id, now)
    session.flush()
    return len(waiting)


def queue_confirmation(session: Session, subscriber_id: int, now: datetime) -> Delivery:
    """One confirmation email for the address's subscriptions awaiting their confirm link
    (a web sign-up asks for one each time; the cap is alerts.subscriptions.sign_up_allowed)."""
    delivery = Delivery(subscriber_id=subscriber_id, kind=CONFIRMATION, created_at=now)
    session.add(delivery)
    return delivery


def send_pending(
    session_factory: SessionFactory,
    backend: MailBackend,
    *,
    now: datetime,
    mail_from: str,
    links: Links,
    stop: Callable[[], bool] = lambda: False,
    subscriber_id: int | None = None,
    channels: WebhookBackend | None = None,
) -> DeliverySummary:
    """Send due deliveries, each recorded on its own (a dry run is alerts.preview).

    Email goes through `backend`, a chat or webhook delivery through `channels`: the same
    claim, lease, retry and uncertain rules (without `channels`, a channel delivery is held).

    `stop` is asked between messages (a SIGTERM handler's flag): once it says so, the message
    in hand has been recorded, the rest of the claim is released and nothing more is claimed.
    With `subscriber_id`, only that subscriber's (a web sign-up's confirmation, sent at once).
    """
    summary = DeliverySummary()
    context = MailContext(mail_from, links, now)
    channels = channels or WebhookBackend({})
    sender = _Sender(session_factory, backend, now, context, channels, subscriber_id)
    summary.resent = sender.resolve_uncertain()
    while not stop() and (claimed := sender.claim_batch()):
        for outcome in sender.send_batch(claimed, stop):
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


def pending_confirmations(session: Session) -> int:
    """Confirmation emails waiting to go out (they need a secret key to be signed)."""
    statement = select(Delivery.id).where(
        Delivery.kind == CONFIRMATION, Delivery.status.in_((*CLAIMABLE, "uncertain"))
    )
    return len(session.scalars(statement).all())


def render_delivery(session: Session, delivery: Delivery, context: MailContext) -> Mail:
    """The email a delivery stands for, by its kind (rendered, MIME left to the backend)."""
    subscriber = delivery.subscriber
    if delivery.kind == ADMIN:
        return render_admin(session, delivery, context)
    if delivery.kind == CONFIRMATION:
        return confirmation_mail(subscriber, _awaiting(session, subscriber), context)
    alerts = sorted(delivery.alerts, key=lambda alert: alert.id)
    if delivery.kind == ALERTS:  # sent at once: an outage shows in the reader's next digest
        return alerts_mail(alerts, subscriber=subscriber, context=context, delivery_id=delivery.id)
    return alerts_mail(
        alerts,
        subscriber=subscriber,
        context=context,
        delivery_id=delivery.id,
        digest=delivery.kind,
        outages=outage_notices(session, subscriber, delivery.kind, delivery.created_at),
    )


def render_notification(session: Session, delivery: Delivery, context: MailContext) -> Notification:
    """A channel delivery's alerts: its own, or for a copy its channel's share of the email's."""
    alerts = delivery.alerts
    if delivery.copy_of_id is not None:
        of_channel = select(Subscription.id).where(
            Subscription.subscriber_id == delivery.subscriber_id,
            Subscription.channel == delivery.channel,
        )
        alerts = list(
            session.scalars(
                select(Alert).where(
                    Alert.delivery_id == delivery.copy_of_id,
                    Alert.subscription_id.in_(of_channel),
                )
            )
        )
    digest = "" if delivery.kind == ALERTS else delivery.kind
    return notification(delivery.id, delivery.channel, alerts, context.links, digest)


def _awaiting(session: Session, subscriber: Subscriber) -> list[Subscription]:
    """What a confirm link would switch on: every subscription of an unconfirmed address;
    of a confirmed one, those not on (a sign-up from the web, or a paused one signed up again)."""
    statement = select(Subscription).where(Subscription.subscriber_id == subscriber.id)
    if subscriber.confirmed_at is not None:
        statement = statement.where(Subscription.active.is_(False))
    return list(session.scalars(statement.order_by(Subscription.id)))


def stopped_reason(delivery: Delivery) -> str:
    """Why this delivery must not go now, or "" when it may. Unsubscribing cancels what was
    queued before it; a confirmation asked for since (signing up again) still goes."""
    subscriber = delivery.subscriber
    if subscriber.bounced_at is not None:
        return "address bounced"
    unsubscribed = subscriber.unsubscribed_at
    if unsubscribed is not None and not _signed_up_since(delivery, unsubscribed):
        return "subscriber unsubscribed"
    return ""


def _signed_up_since(delivery: Delivery, unsubscribed_at: datetime) -> bool:
    return delivery.kind == CONFIRMATION and delivery.created_at > unsubscribed_at


@dataclass
class _Sender:
    session_factory: SessionFactory
    backend: MailBackend
    now: datetime
    context: MailContext
    channels: WebhookBackend  # chat and webhook destinations by name
    subscriber_id: int | None = None  # only this subscriber's deliveries, when set

    def _due(self) -> ColumnElement[bool]:
        return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= self.now)

    def _ours(self) -> ColumnElement[bool]:
        if self.subscriber_id is None:
            return true()
        return Delivery.subscriber_id == self.subscriber_id

    def due_ids(self, limit: int | None = None) -> list[int]:
        with self.session_factory() as session:
            statement = select(Delivery.id).where(
                Delivery.status.in_(CLAIMABLE), self._due(), self._ours()
            )
            return list(session.scalars(statement.order_by(Delivery.id).limit(limit)))

    def resolve_uncertain(self) -> int:
        """Uncertain answers, and claims left "sending" past their lease by a crashed run:
        resend them (at-least-once), each with a warning that names it."""
        lost = and_(Delivery.status == "sending", Delivery.next_attempt_at <= self.now)
        with self.session_factory() as session, session.begin():
            unresolved = list(
                session.scalars(
                    select(Delivery)
                    .where(or_(Delivery.status == "uncertain", lost), self._ours())
                    .with_for_update(skip_locked=True)
                )
            )
            for delivery in unresolved:
                why = (
                    "a run stopped while sending"
                    if delivery.status == "sending"
                    else ("the provider's answer was lost")
                )
                log.warning(
                    "delivery %d: outcome unknown (%s); sending again, so it may arrive twice",
                    delivery.id,
                    why,
                )
                delivery.status = "pending"
                delivery.next_attempt_at = None
                delivery.last_error = f"uncertain: {why}; resent"
            return len(unresolved)

    def claim_batch(self) -> list[int]:
        """Mark up to CLAIM_BATCH due deliveries "sending" (attempts+1, a lease); commit.

        Empty only when nothing is due: losing a race to another sender (SQLite has no
        SKIP LOCKED) means trying the next ones, not stopping.
        """
        while candidates := self.due_ids(CLAIM_BATCH):
            if claimed := self._claim(candidates):
                return claimed
        return []

    def _claim(self, candidates: list[int]) -> list[int]:
        with self.session_factory() as session, session.begin():
            locked = session.scalars(
                select(Delivery.id)
                .where(Delivery.id.in_(candidates), Delivery.status.in_(CLAIMABLE))
                .with_for_update(skip_locked=True)
            ).all()
            claimed = session.scalars(
                update(Delivery)
                .where(Delivery.id.in_(locked), Delivery.status.in_(CLAIMABLE))
                .values(
                    status="sending",
                    attempts=Delivery.attempts + 1,
                    next_attempt_at=self.now + LEASE,
                )
                .returning(Delivery.id)
            ).all()
        return sorted(claimed)

    def send_batch(self, delivery_ids: list[int], stop: Callable[[], bool]) -> list[str]:
        """Render the claimed batch in one read, then send and record each on its own; when
        `stop` says so, release the rest unsent."""
        with self.session_factory() as session:
            prepared = [self._prepare(session, d) for d in self._load(session, delivery_ids)]
        outcomes: list[str] = []
        unsent: list[int] = []
        for delivery_id, outcome in prepared:
            if isinstance(outcome, str):
                outcomes.append(outcome)
            elif unsent or stop():  # once stopped, the rest stays unsent
                unsent.append(delivery_id)
            else:
                outcomes.append(self._hand_over(delivery_id, outcome))
        if unsent:
            outcomes += ["released"] * self._release(unsent)
        return outcomes

    def _release(self, delivery_ids: list[int]) -> int:
        """Claimed but never handed over: pending again at once, the claim's attempt undone
        (no lease to wait out, no "may arrive twice")."""
        with self.session_factory() as session, session.begin():
            released = session.scalars(
                update(Delivery)
                .where(Delivery.id.in_(delivery_ids), Delivery.status == "sending")
                .values(status="pending", attempts=Delivery.attempts - 1, next_attempt_at=None)
                .returning(Delivery.id)
            ).all()
        log.info("stop requested: %d claimed deliveries released unsent", len(released))
        return len(released)

    def _prepare(
        self, session: Session, delivery: Delivery
    ) -> tuple[int, Mail | Notification | str]:
        """The message to send, or the recorded outcome when there is nothing to send."""
        delivery_id = delivery.id
        if delivery.kind != ADMIN and (reason := stopped_reason(delivery)):
            return delivery_id, self._record(delivery_id, "", lambda d: self._cancel(d, reason))
        render = render_notification if delivery.channel else render_delivery
        try:
            return delivery_id, render(session, delivery, self.context)
        except Exception as error:  # content or a bug: never "sending" forever, never lost
            log.exception("delivery %d: could not render", delivery_id)
            failure = f"could not render: {error!r}"
            return delivery_id, self._record(delivery_id, "", lambda d: self._hold(d, failure))

    def _send(self, delivery_id: int, message: Mail | Notification) -> SendResult:
        if isinstance(message, Notification):
            return self.channels.send(message)
        return self.backend.send(message, delivery_id=delivery_id)

    def _hand_over(self, delivery_id: int, message: Mail | Notification) -> str:
        subject = message.subject if isinstance(message, Notification) else str(message["Subject"])
        try:
            result = self._send(delivery_id, message)
        except TemporaryFailure as error:
            retry = (str(error), error.retry_after)
            return self._record(delivery_id, subject, lambda d: self._retry(d, *retry))
        except UncertainDelivery as error:
            reason = str(error)
            return self._record(delivery_id, subject, lambda d: self._uncertain(d, reason))
        except ContentRefused as error:
            reason = str(error)
            return self._record(delivery_id, subject, lambda d: self._hold(d, reason))
        except RecipientRefused as error:
            refusal = error
            return self._record(delivery_id, subject, lambda d: self._bounce(d, refusal))
        except PermanentFailure as error:
            reason = str(error)
            return self._record(delivery_id, subject, lambda d: self._fail(d, reason))
        return self._record_sent(delivery_id, subject, result)

    def _record(self, delivery_id: int, subject: str, apply: Callable[[Delivery], str]) -> str:
        with self.session_factory() as session, session.begin():
            delivery = session.get_one(Delivery, delivery_id)
            delivery.subject = subject or delivery.subject
            return apply(delivery)

    def _record_sent(self, delivery_id: int, subject: str, result: SendResult) -> str:
        """Committed at once, as every outcome; "sent" needs nothing read: one Core UPDATE."""
        values = {
            "delivery_id": delivery_id,
            "provider": result.provider,
            "provider_message_id": result.provider_message_id,
            "sent_at": self.now,
        }
        statement = _MARK_SENT_KEEP_SUBJECT
        if subject:  # a parameter named after a column would set it: only when there is one
            statement, values["subject"] = _MARK_SENT, subject
        with self.session_factory() as session, session.begin():
            session.connection().execute(statement, values)
        return "sent"

    def _load(self, session: Session, delivery_ids: list[int]) -> list[Delivery]:
        statement = (
            select(Delivery)
            .where(Delivery.id.in_(delivery_ids))
            .order_by(Delivery.id)
            .options(
                selectinload(Delivery.subscriber),
                selectinload(Delivery.alerts)
                .load_only(*EMAIL_ALERT_COLUMNS)
                .joinedload(Alert.change, innerjoin=True)
                .load_only(*EMAIL_CHANGE_COLUMNS)
                .options(
                    joinedload(Change.document, innerjoin=True).load_only(*EMAIL_DOCUMENT_COLUMNS),
                    joinedload(Change.event).load_only(*EMAIL_EVENT_COLUMNS),
                ),
            )
        )
        return list(session.scalars(statement))

    def _retry(self, delivery: Delivery, error: str, retry_after: float | None) -> str:
        if delivery.attempts >= MAX_ATTEMPTS:
            return self._fail(delivery, f"gave up after {delivery.attempts} attempts: {error}")
        backoff = timedelta(minutes=2**delivery.attempts)
        wait = timedelta(seconds=retry_after) if retry_after is not None else backoff
        delivery.status = "pending"
        delivery.next_attempt_at = self.now + min(max(wait, MIN_RETRY_DELAY), MAX_BACKOFF)
        delivery.last_error = error
        log.warning(
            "delivery %d: temporary failure, retry at %s: %s",
            delivery.id,
            delivery.next_attempt_at.isoformat(),
            error,
        )
        return "retried"

    def _hold(self, delivery: Delivery, error: str) -> str:
        """Keep the delivery and its alerts; try again after a backoff (never given up)."""
        backoff = min(timedelta(minutes=2**delivery.attempts), MAX_BACKOFF)
        delivery.status = "held"
        delivery.next_attempt_at = self.now + backoff
        delivery.last_error = f"held: {error}"
        log.error(
            "delivery %d to subscriber %d held, alerts kept, next try at %s: %s",
            delivery.id,
            delivery.subscriber_id,
            delivery.next_attempt_at.isoformat(),
            error,
        )
        return "held"

    def _uncertain(self, delivery: Delivery, error: str) -> str:
        """The request went out and no answer came back: the next run resends it."""
        delivery.status = "uncertain"
        delivery.next_attempt_at = None
        delivery.last_error = f"uncertain: {error}"
        log.warning("delivery %d: %s; will send again (at-least-once)", delivery.id, error)
        return "uncertain"

    def _cancel(self, delivery: Delivery, reason: str) -> str:
        delivery.status = "cancelled"
        delivery.next_attempt_at = None
        delivery.last_error = reason
        log.info("delivery %d: not sent: %s", delivery.id, reason)
        return "cancelled"

    def _bounce(self, delivery: Delivery, refusal: RecipientRefused) -> str:
        """The server refused the address for good: this delivery fails and the address is
        suppressed with the server's reply (alerts.suppression decides what that means)."""
        session = object_session(delivery)
        assert session is not None  # loaded by _record
        record_report(session, refusal_report(delivery, refusal, self.now))
        return self._fail(delivery, str(refusal))

    def _fail(self, delivery: Delivery, error: str) -> str:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        delivery.last_error = error
        log.error(
            "delivery %d to subscriber %d failed: %s", delivery.id, delivery.subscriber_id, error
        )
        return "failed"
