"""SMTP backend (smtplib): STARTTLS, implicit TLS, or plain SMTP on loopback.

Configured from one URL, which the shell reads from FIVEWATCH_SMTP_URL and passes in:
  smtp://user:pass@host:587        STARTTLS whenever the server offers it
  smtp+starttls://user:pass@host   STARTTLS required (default port 587)
  smtps://user:pass@host           implicit TLS (default port 465)
  smtp://127.0.0.1:25              plain, for a relay on this machine
A password is only ever sent over TLS, and never appears in a repr or an error.
"""

from __future__ import annotations

import copy
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from urllib.parse import unquote, urlsplit

from alerts.backends.interface import (
    ContentRefused,
    DeliveryError,
    Mail,
    PermanentFailure,
    RecipientRefused,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
    as_email_message,
)
from alerts.headers import SUBSCRIPTION_IDS_HEADER

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
ACCEPTED_RECIPIENT = (250, 251)


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL (smtp://, smtp+starttls://, smtps://): {_mask(url)}")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __str__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list[str]


class SmtpBackend:
    name = "smtp"

    def __init__(
        self, url: str, *, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.target = SmtpTarget.from_url(url)
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"SmtpBackend('{self.target}', timeout={self.timeout})"

    def send(self, message: Mail, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        """Send over one SMTP session; a dry run stops once the server accepts the recipients."""
        mime = as_email_message(message)
        envelope = envelope_of(mime)
        message_id = ensure_message_id(mime, envelope.sender)
        try:
            self._deliver(envelope, wire_bytes(mime), dry_run=dry_run)
        except DeliveryError:
            raise
        except smtplib.SMTPResponseException as error:
            raise self._failure(error.smtp_code, _reply_text(error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(self._says(_describe(error))) from None
        return SendResult(provider=self.name, provider_message_id=message_id)

    def _deliver(self, envelope: Envelope, payload: bytes, *, dry_run: bool) -> None:
        with self._connect() as connection:
            self._secure(connection)
            self._login(connection)
            self._check(connection.mail(envelope.sender), f"MAIL FROM <{envelope.sender}>")
            for recipient in envelope.recipients:
                self._check_recipient(connection.rcpt(recipient), recipient)
            if dry_run:
                connection.rset()
            else:
                # Recipients were accepted: a refusal now is about the message itself.
                self._check(self._data(connection, payload), "DATA", refused=ContentRefused)

    def _connect(self) -> smtplib.SMTP:
        if self.target.scheme == "smtps":
            return smtplib.SMTP_SSL(
                self.target.host, self.target.port, timeout=self.timeout, context=self.ssl_context
            )
        return smtplib.SMTP(self.target.host, self.target.port, timeout=self.timeout)

    def _secure(self, connection: smtplib.SMTP) -> None:
        """STARTTLS when offered (required for smtp+starttls://); implicit TLS needs nothing."""
        connection.ehlo()
        if self.target.scheme == "smtps":
            return
        if connection.has_extn("starttls"):
            connection.starttls(context=self.ssl_context)
            connection.ehlo()
        elif self.target.scheme == "smtp+starttls":
            raise TemporaryFailure(self._says("server does not offer STARTTLS"))

    def _login(self, connection: smtplib.SMTP) -> None:
        if self.target.username is None:
            return
        if not isinstance(connection.sock, ssl.SSLSocket):
            raise TemporaryFailure(self._says("refusing to send a password without TLS"))
        try:
            connection.login(self.target.username, self.target.password or "")
        except smtplib.SMTPAuthenticationError as error:
            # Our credentials, not this message, are wrong: keep the delivery pending.
            detail = _reply_text(error.smtp_error)
            raise TemporaryFailure(self._says(f"login refused ({detail})")) from None

    def _data(self, connection: smtplib.SMTP, payload: bytes) -> tuple[int, bytes]:
        """DATA; once it is sent, a lost answer means the server may have queued the message."""
        try:
            return connection.data(payload)
        except smtplib.SMTPResponseException:
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise UncertainDelivery(
                self._says(f"no answer after DATA ({_describe(error)})")
            ) from None

    def _check(
        self,
        reply: tuple[int, bytes],
        command: str,
        accepted: tuple[int, ...] = (250,),
        refused: type[PermanentFailure] = PermanentFailure,
    ) -> None:
        code, text = reply
        if code not in accepted:
            raise self._failure(code, f"{command}: {_reply_text(text)}", refused)

    def _check_recipient(self, reply: tuple[int, bytes], recipient: str) -> None:
        """A 5xx to RCPT TO refuses the address itself; anything else is judged as any reply."""
        code, text = reply
        if 500 <= code < 600:
            raise RecipientRefused(
                self._says(f"{code} RCPT TO <{recipient}>: {_reply_text(text)}"),
                recipient=recipient,
                reply=self._masked(f"{code} {_reply_text(text)}"),
            )
        self._check(reply, f"RCPT TO <{recipient}>", ACCEPTED_RECIPIENT)

    def _says(self, detail: str) -> str:
        """An error message naming the server; the password is masked even if a reply echoes it."""
        return self._masked(f"SMTP {self.target}: {detail}")

    def _masked(self, text: str) -> str:
        return text.replace(self.target.password, "***") if self.target.password else text

    def _failure(
        self, code: int, detail: str, refused: type[PermanentFailure] = PermanentFailure
    ) -> DeliveryError:
        """4xx (and anything not 5xx) can be retried; 5xx is the server's final word."""
        failure = refused if 500 <= code < 600 else TemporaryFailure
        return failure(self._says(f"{code} {detail}"))


def envelope_of(message: EmailMessage) -> Envelope:
    """Envelope sender and recipients from the headers (Sender over From; To, Cc and Bcc)."""
    senders = getaddresses(message.get_all("Sender", []) or message.get_all("From", []))
    recipients = getaddresses(
        [*message.get_all("To", []), *message.get_all("Cc", []), *message.get_all("Bcc", [])]
    )
    addresses = [address for _, address in recipients if address]
    if not senders or not senders[0][1] or not addresses:
        raise PermanentFailure("message has no usable From or no recipients")
    return Envelope(sender=senders[0][1], recipients=addresses)


def ensure_message_id(message: EmailMessage, sender: str) -> str:
    """The Message-ID header, set first when the renderer did not set one."""
    if message["Message-ID"] is None:
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    return str(message["Message-ID"])


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, without Bcc or our internal headers."""
    outgoing = copy.deepcopy(message)
    for header in ("Bcc", SUBSCRIPTION_IDS_HEADER):
        del outgoing[header]
    # Folding at 78 drops the space between RFC 2047 encoded words on Python 3.11
    # ("légal · Pāremata" arrives as "légal ·Pāremata"); RFC 5322 allows lines up to 998.
    wire_policy = outgoing.policy.clone(linesep="\r\n", max_line_length=998)
    return outgoing.as_bytes(policy=wire_policy)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _mask(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
