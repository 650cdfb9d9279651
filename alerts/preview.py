"""The next emails and chat or webhook notifications, as the next send would render them, with
nothing claimed or changed.

Used by `fivewatch send --dry-run` (every address) and by the web manage page (one subscriber's
next email and notifications). A notification is rendered by the sender's own steps
(render_notification, then the backend's `posted`), so its preview is the JSON it would post;
its destination is named by name and kind, never by its URL (a secret). Queueing runs as a
send would run it, inside a savepoint that is rolled back, so a preview shows alerts and
confirmations not queued yet and leaves the session as it found it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, selectinload

from alerts.admin_mail import ADMIN
from alerts.backends.interface import ContentRefused, Mail, as_email_message
from alerts.backends.webhook import posted
from alerts.channels import Destination
from alerts.deliver import (
    CLAIMABLE,
    queue_confirmations,
    queue_deliveries,
    render_delivery,
    render_notification,
    stopped_reason,
)
from alerts.render import MailContext
from models import Alert, Change, Delivery


@dataclass(frozen=True)
class PreviewMail:
    delivery_id: int | None  # None: the next send queues it first (its id is not known yet)
    kind: str  # alerts | daily | weekly | confirmation | admin
    recipient: str  # the address; a notification's destination name and kind, never its URL
    subject: str
    alerts: tuple[str, ...]  # the titles of the bills and statements it carries
    text: str  # the plain-text body, or the JSON a notification posts ("" when it cannot be)
    message: Mail | None  # the email a backend would be handed; None for a notification
    problem: str = ""  # why it cannot be rendered or sent (the send would hold it)
    channel: str = ""  # the destination's name: a chat or webhook notification, not an email

    @property
    def is_notification(self) -> bool:
        return bool(self.channel)


def preview_next(
    session: Session,
    context: MailContext,
    subscriber_id: int | None = None,
    *,
    queue_more: Callable[[Session], object] = lambda session: None,
    destinations: Mapping[str, Destination] | None = None,
) -> list[PreviewMail]:
    """The emails and notifications the next send would hand over (only `subscriber_id`'s,
    when given). `queue_more` queues what else a send queues (the admin's note, which needs
    the config); `destinations` are the configured chat and webhook ones, by name."""
    destinations = destinations or {}
    with session.begin_nested() as savepoint:
        queued_before = set(session.scalars(select(Delivery.id)))
        queue_confirmations(session, context.now)
        queue_deliveries(session, context.now)
        queue_more(session)
        previews = [
            _preview(session, delivery, context, delivery.id in queued_before, destinations)
            for delivery in _due(session, context, subscriber_id)
            if delivery.kind == ADMIN or not stopped_reason(delivery)
        ]
        savepoint.rollback()
    return previews


def _due(session: Session, context: MailContext, subscriber_id: int | None) -> list[Delivery]:
    """The deliveries a sender would claim now, as `_Sender.due_ids` picks them."""
    ours = true() if subscriber_id is None else Delivery.subscriber_id == subscriber_id
    due = or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= context.now)
    statement = (
        select(Delivery)
        .where(Delivery.status.in_(CLAIMABLE), due, ours)
        .order_by(Delivery.id)
        .options(
            selectinload(Delivery.subscriber),
            selectinload(Delivery.alerts).joinedload(Alert.change).joinedload(Change.document),
        )
    )
    return list(session.scalars(statement))


def _preview(
    session: Session,
    delivery: Delivery,
    context: MailContext,
    queued: bool,
    destinations: Mapping[str, Destination],
) -> PreviewMail:
    delivery_id = delivery.id if queued else None
    if delivery.channel:
        return _notification(session, delivery, context, delivery_id, destinations)
    message, text, problem = _render(session, delivery, context)
    return PreviewMail(
        delivery_id=delivery_id,
        kind=delivery.kind,
        recipient=delivery.subscriber.email,
        subject="" if message is None else str(message["Subject"]),
        alerts=tuple(alert.change.document.title for alert in sorted(delivery.alerts, key=_id)),
        text=text,
        message=message,
        problem=problem,
    )


def _notification(
    session: Session,
    delivery: Delivery,
    context: MailContext,
    delivery_id: int | None,
    destinations: Mapping[str, Destination],
) -> PreviewMail:
    """The JSON the sender would post, or why it would be held (as the sender holds it)."""
    unsent = PreviewMail(
        delivery_id=delivery_id,
        kind=delivery.kind,
        recipient=f"channel {delivery.channel}",
        subject="",
        alerts=(),
        text="",
        message=None,
        channel=delivery.channel,
    )
    try:
        notification = render_notification(session, delivery, context)
    except Exception as error:  # shown, never hidden: the same error the send would log
        return replace(unsent, problem=f"could not render: {error!r}")
    rendered = replace(
        unsent,
        subject=notification.subject,
        alerts=tuple(item.title for item in notification.items),
    )
    try:
        destination, body = posted(destinations, notification)
    except ContentRefused as error:  # a destination not configured: the send holds it
        return replace(rendered, problem=f"held: {error}")
    return replace(
        rendered,
        recipient=f"{destination.kind} channel {destination.name}",
        text=json.dumps(body, indent=2, ensure_ascii=False),
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
