"""Mail wiring for the CLI, the scheduler and the web: every email goes through the outbox.

Alerts, digests, confirmations and the admin note are Delivery rows (alerts.deliver), rendered
from alerts/templates and handed to the backend the configuration names. `fivewatch send` and
`fivewatch run` queue and send everything due; a web sign-up queues its confirmation and sends
what is due for that subscriber at once.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr

from sqlalchemy.orm import Session, sessionmaker

from alerts.admin_mail import queue_admin_mail
from alerts.backends.file import FileBackend
from alerts.backends.interface import MailBackend
from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.smtp import SmtpBackend
from alerts.backends.webhook import WebhookBackend
from alerts.channels import Destination, destinations
from alerts.deliver import (
    DeliverySummary,
    pending_confirmations,
    queue_confirmations,
    queue_deliveries,
    send_pending,
)
from alerts.mail_links import Links
from alerts.preview import PreviewMail, preview_next
from alerts.render import MailContext
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError
from fivewatch.health_policy import HealthPolicy
from fivewatch.send_check import check_send_config
from models import utcnow

Sessions = sessionmaker[Session]


def mail_backend(config: Config) -> MailBackend:
    """The backend FIVEWATCH_MAIL_BACKEND names: file (the default), smtp or sendgrid."""
    try:
        if config.mail_backend == "file":
            return FileBackend(config.outbox_path)
        if config.mail_backend == "smtp":
            return SmtpBackend(config.smtp_url)
        if config.mail_backend == "sendgrid":
            return SendGridBackend(config.sendgrid_api_key)
    except ValueError as error:
        raise FiveWatchError(f"mail backend {config.mail_backend}: {error}") from error
    raise FiveWatchError(
        f"unknown mail backend {config.mail_backend!r} (FIVEWATCH_MAIL_BACKEND): "
        "expected file, smtp or sendgrid"
    )


def channel_backend(config: Config) -> WebhookBackend:
    """The backend posting to the configured chat and webhook destinations."""
    return WebhookBackend(channel_destinations(config))


def channel_destinations(config: Config) -> dict[str, Destination]:
    """The chat and webhook destinations FIVEWATCH_CHANNEL_<NAME> variables configure."""
    try:
        return destinations(config.channels)
    except ValueError as error:
        raise FiveWatchError(f"{error} (FIVEWATCH_CHANNEL_<NAME>=<kind>:<url>)") from error


def mail_links(config: Config) -> Links:
    """Signed links for emails; the List-Unsubscribe mailto is the From address."""
    return Links(config.base_url, config.secret_key, parseaddr(config.mail_from)[1] or None)


def queue_everything(session: Session, config: Config) -> int:
    """Confirmations, due alerts and digests, and the admin's health note, as Delivery rows."""
    now = utcnow()
    return (
        queue_confirmations(session, now)
        + queue_deliveries(session, now)
        + queue_admin_mail(session, config.admin_email, now, HealthPolicy.from_config(config))
    )


def send_due(
    config: Config,
    backend: MailBackend,
    sessions: Sessions,
    *,
    subscriber_id: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> DeliverySummary:
    """Send what the outbox holds due now (only `subscriber_id`'s, when given)."""
    channels = channel_backend(config)
    try:
        return send_pending(
            sessions,
            backend,
            now=utcnow(),
            mail_from=config.mail_from,
            links=mail_links(config),
            stop=stop,
            subscriber_id=subscriber_id,
            channels=channels,
        )
    finally:
        channels.close()


def deliver(
    config: Config,
    backend: MailBackend,
    sessions: Sessions,
    *,
    stop: Callable[[], bool] = lambda: False,
) -> DeliverySummary:
    """Check the configuration, queue, then send everything due through `backend` (until
    `stop` says so). A configuration problem stops it before anything is queued or claimed."""
    check_send_config(config)
    with sessions.begin() as session:
        queue_everything(session, config)
        if pending_confirmations(session) and not config.secret_key:
            raise FiveWatchError(
                "confirmation emails are waiting but FIVEWATCH_SECRET_KEY is not set: their "
                "confirm links cannot be signed. Set it and run `fivewatch send` again."
            )
    return send_due(config, backend, sessions, stop=stop)


def preview_due(
    config: Config, backend: MailBackend | None, sessions: Sessions
) -> list[PreviewMail]:
    """What `fivewatch send` would send now (emails and chat or webhook notifications), queued
    as it would queue it and then rolled back; with a `backend`, each email is also handed to
    its dry run (the provider's sandbox)."""
    now = utcnow()
    policy = HealthPolicy.from_config(config)
    configured = channel_destinations(config)
    with sessions() as session:  # never committed: the preview changes nothing
        previews = preview_next(
            session,
            MailContext(config.mail_from, mail_links(config), now),
            queue_more=lambda s: queue_admin_mail(s, config.admin_email, now, policy),
            destinations=configured,
        )
        session.rollback()
    if backend is not None:
        _to_sandbox(backend, previews)
    return previews


def _to_sandbox(backend: MailBackend, previews: list[PreviewMail]) -> None:
    """Each renderable preview to the backend's dry run (SendGrid's sandbox mode, SMTP up to
    the recipients): a provider that would refuse it says so now."""
    for preview in previews:
        if preview.message is not None:
            backend.send(preview.message, delivery_id=preview.delivery_id or 0, dry_run=True)
