"""The confirmation email a web sign-up sends, recorded in the outbox like every email."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlalchemy.orm import Session

from alerts.backends.base import (
    ContentRefused,
    DeliveryError,
    MailBackend,
    TemporaryFailure,
    UncertainDelivery,
)
from fivewatch.web.state import templates
from models import Delivery, Subscriber, utcnow

log = logging.getLogger(__name__)
SUBJECT = "Confirm your FiveWatch alert"


def confirmation_message(
    mail_from: str, subscriber: Subscriber, link: str, what: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = subscriber.email
    message["Subject"] = SUBJECT
    body = templates.env.get_template("email/confirm.txt").render(link=link, what=what)
    message.set_content(body)
    return message


def send_confirmation(
    session: Session, mailer: MailBackend, subscriber: Subscriber, message: EmailMessage
) -> Delivery:
    """Send now and record a `confirmation` Delivery; a failure is recorded, not raised.

    A failure that may pass (a full disk, a provider down, a lost answer, a refused content)
    leaves the delivery to the outbox, which `fivewatch send` retries; only a final refusal of
    the address fails it.
    """
    delivery = Delivery(subscriber=subscriber, kind="confirmation", subject=SUBJECT, attempts=1)
    session.add(delivery)
    session.flush()
    try:
        result = mailer.send(message, delivery_id=delivery.id)
    except DeliveryError as error:
        log.warning("confirmation email %d via %s failed: %s", delivery.id, mailer.name, error)
        delivery.status, delivery.last_error = _status_after(error), str(error)
        return delivery
    delivery.status, delivery.sent_at = "sent", utcnow()
    delivery.provider, delivery.provider_message_id = result.provider, result.provider_message_id
    return delivery


# The outbox's status after each kind of failure: all but a final refusal are sent again.
_STATUS_AFTER: tuple[tuple[type[DeliveryError], str], ...] = (
    (TemporaryFailure, "pending"),
    (UncertainDelivery, "uncertain"),
    (ContentRefused, "held"),
)


def _status_after(error: DeliveryError) -> str:
    return next((status for kind, status in _STATUS_AFTER if isinstance(error, kind)), "failed")
