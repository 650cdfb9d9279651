"""The one interface every mail backend implements, and the two ways sending can fail.

Backends take either a stdlib EmailMessage or an OutgoingMail: the rendered parts and headers
before any MIME. Building MIME costs more than the rest of rendering, and only SMTP and the
file outbox need it; SendGrid's v3 API takes the parts as JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
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


class RecipientRefused(PermanentFailure):
    """The server refused the address itself for good (a 5xx to RCPT TO): the address is
    suppressed, with the server's reply as the reason."""

    def __init__(self, message: str, *, recipient: str, reply: str) -> None:
        super().__init__(message)
        self.recipient = recipient
        self.reply = reply  # "550 5.1.1 user unknown"


class ContentRefused(PermanentFailure):
    """This message, not its address, was refused (too large, rejected after DATA): the outbox
    holds it with its alerts instead of failing it for good."""


class UncertainDelivery(DeliveryError):
    """The request went out but its answer was lost: the provider may or may not have sent it."""


@dataclass(frozen=True)
class OutgoingMail:
    """One rendered email: its headers and text (and HTML) bodies, not yet MIME.

    Checked when made, as EmailMessage would check them, so a bad value is a rendering error
    and never a surprise inside a backend: no line break in a header, bodies UTF-8 encodable.
    Bodies are stored as MIME gives them back (line ends as "\\n", one at the end).
    """

    sender: str  # the From header
    to: str
    subject: str
    date: str
    message_id: str
    text: str
    html: str | None = None
    # Headers after the body parts, in order (internal ones and List-Unsubscribe).
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name, value in self.items():
            _check_header(name, value)
        object.__setattr__(self, "text", mime_text(self.text))
        if self.html is not None:
            object.__setattr__(self, "html", mime_text(self.html))

    def items(self) -> Iterator[tuple[str, str]]:
        """Every header, in the order the MIME message carries them."""
        yield from (("From", self.sender), ("To", self.to), ("Subject", self.subject))
        yield from (("Date", self.date), ("Message-ID", self.message_id))
        yield from self.headers

    def __getitem__(self, name: str) -> str | None:
        """A header's value like EmailMessage's `message[name]` (None when absent)."""
        wanted = name.lower()
        return next((value for key, value in self.items() if key.lower() == wanted), None)

    def get_all(self, name: str, failobj: list[str]) -> list[str]:
        """Every value of a header, like EmailMessage.get_all."""
        wanted = name.lower()
        return [value for key, value in self.items() if key.lower() == wanted] or failobj

    def as_message(self) -> EmailMessage:
        """The MIME message, built as the renderer always built it (same headers, same order)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = self.date
        message["Message-ID"] = self.message_id
        message.set_content(self.text)
        if self.html is not None:
            message.add_alternative(self.html, subtype="html")
        for name, value in self.headers:
            message[name] = value
        return message


Mail = EmailMessage | OutgoingMail


def as_email_message(mail: Mail) -> EmailMessage:
    """MIME for the backends that speak it (SMTP, the .eml outbox)."""
    return mail if isinstance(mail, EmailMessage) else mail.as_message()


def mime_text(text: str) -> str:
    """A text body as EmailMessage.set_content stores it and get_content returns it."""
    return b"\n".join(text.encode().splitlines()).decode() + "\n"


def _check_header(name: str, value: str) -> None:
    # The same test as email.policy.EmailPolicy.header_store_parse.
    if len(value.splitlines()) > 1:
        raise ValueError(f"{name}: header values may not contain line breaks")


class MailBackend(Protocol):
    name: str

    def send(self, message: Mail, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        """Send one fully rendered email; raise a DeliveryError subclass on failure."""
        ...
