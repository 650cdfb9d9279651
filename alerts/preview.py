"""The next emails, as the next send would render them, with nothing claimed or changed.

Used by `fivewatch send --dry-run` (every address) and by the web manage page (one subscriber's
next email). Queueing runs as a send would run it, inside a savepoint that is rolled back, so a
preview shows alerts and confirmations not queued yet and leaves the session as it found it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, selectinload

from alerts.admin_mail import ADMIN
from alerts.backends.interface import Mail, as_email_message
from alerts.deliver import (
    CLAIMABLE,
    queue_confirmations,
    queue_deliveries,
    render_delivery,
    stopped_reason,
)
from alerts.render import MailContext
from models import Alert, Change, Delivery


@dataclass(frozen=True)
class PreviewMail:
    delivery_id: int | None  # None: the next send queues it first (its id is not known yet)
    kind: str  # alerts | daily | weekly | confirmation | admin
    recipient: str
    subject: str
    alerts: tuple[str, ...]  # the titles of the bills and statements it carries
    text: str  # the plain-text body ("" when it cannot be rendered)
    message: Mail | None  # what a backend would be handed; None when it cannot be rendered
    problem: str = ""  # why it cannot be rendered (the send would hold it)


def preview_next(
    session: Session,
    context: MailContext,
    subscriber_id: int | None = None,
    *,
    queue_more: Callable[[Session], object] = lambda session: None,
) -> list[PreviewMail]:
    """The emails the next send would hand over (only `subscriber_id`'s, when given).
    `queue_more` queues what else a send queues (the admin's note, which needs the config)."""
    with session.begin_nested() as savepoint:
        queued_before = set(session.scalars(select(Delivery.id)))
        queue_confirmations(session, context.now)
        queue_deliveries(session, context.now)
        queue_more(session)
        previews = [
            _preview(session, delivery, context, delivery.id in queued_before)
            for delivery in _due(session, context, subscriber_id)
            if delivery.kind == ADMIN or not stopped_reason(delivery)
        ]
        savepoint.rollback()
    return previews


def _due(session: Session, context: MailContext, subscriber_id: int | None) -> list[Delivery]:
    """The emails a sender would claim now, as `_Sender.due_ids` picks them (chat and webhook
    deliveries are no email: not previewed here)."""
    ours = true() if subscriber_id is None else Delivery.subscriber_id == subscriber_id
    due = or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= context.now)
    statement = (
        select(Delivery)
        .where(Delivery.status.in_(CLAIMABLE), Delivery.channel == "", due, ours)
        .order_by(Delivery.id)
        .options(
            selectinload(Delivery.subscriber),
            selectinload(Delivery.alerts).joinedload(Alert.change).joinedload(Change.document),
        )
    )
    return list(session.scalars(statement))


def _preview(
    session: Session, delivery: Delivery, context: MailContext, queued: bool
) -> PreviewMail:
    message, text, problem = _render(session, delivery, context)
    return PreviewMail(
        delivery_id=delivery.id if queued else None,
        kind=delivery.kind,
        recipient=delivery.subscriber.email,
        subject="" if message is None else str(message["Subject"]),
        alerts=tuple(alert.change.document.title for alert in sorted(delivery.alerts, key=_id)),
        text=text,
        message=message,
        problem=problem,
    )


def _render(
    session: Session, delivery: Delivery, context: MailContext
) -> tuple[Mail | None, str, str]:
    """The message and its plain text, or why it cannot be rendered (the send would hold it)."""
    try:
        message = render_delivery(session, delivery, context)
    except Exception as error:  # shown, never hidden: the same error the send would log
        return None, "", f"could not render: {error!r}"
    body = as_email_message(message).get_body(("plain",))
    return message, "" if body is None else str(body.get_content()), ""


def _id(alert: Alert) -> int:
    return alert.id
