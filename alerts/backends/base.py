"""The one interface every mail backend implements, and the two ways sending can fail."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    provider: str  # "file" | "smtp" | "sendgrid"
    # What the provider calls this message: file name, Message-ID, X-Message-Id.
    provider_message_id: str


class DeliveryError(Exception):
    """Base of sending failures; the message never contains a secret."""


class TemporaryFailure(DeliveryError):
    """Try again later (429, 5xx, a timeout). `retry_after` in seconds when the provider said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """Do not retry (a 4xx other than 429, an address the server refuses)."""


class UncertainDelivery(DeliveryError):
    """The request went out but its answer was lost: the provider may or may not have sent it."""


class MailBackend(Protocol):
    name: str

    def send(self, message: EmailMessage, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        """Send one fully built message; raise a DeliveryError subclass on failure."""
        ...
