"""SendGrid backend: the v3 /mail/send API through the official `sendgrid` client.

The client's requests go over one kept-alive connection per backend (alerts.backends.keepalive)
rather than a new connection each. A rendered OutgoingMail becomes the JSON payload directly,
with no MIME built; an EmailMessage gives the same payload.

SendGrid has no idempotency key, so a retry after a lost answer may send twice: our delivery id
goes in custom_args, in-process retries happen only when SendGrid said no (429, 5xx), and a lost
answer is an UncertainDelivery for the outbox to decide (DESIGN §10).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from alerts.backends.interface import (
    ContentRefused,
    Mail,
    OutgoingMail,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.backends.keepalive import KeepAliveClient
from alerts.headers import SUBSCRIPTION_IDS_HEADER

DEFAULT_HOST = "https://api.sendgrid.com"
MAX_RECIPIENTS = 1000  # per request, across personalizations (SendGrid v3 limit)
MAX_REQUEST_BYTES = 30 * 1024 * 1024  # the whole request must stay under 30 MB
MAX_CATEGORIES, MAX_CATEGORY_LENGTH = 10, 255
# Headers that have their own payload fields, or that SendGrid reserves for itself.
NOT_PASSED_AS_HEADERS = frozenset(
    name.lower()
    for name in (
        "From", "To", "Cc", "Bcc", "Subject", "Reply-To", "Content-Type",
        "Content-Transfer-Encoding", "MIME-Version", "Date", "Received", "DKIM-Signature",
        "X-SG-ID", "X-SG-EID", SUBSCRIPTION_IDS_HEADER,
    )
)  # fmt: skip

# python_http_client logs every request's headers, Authorization included, at DEBUG.
logging.getLogger("python_http_client.client").setLevel(logging.INFO)


class SendGridBackend:
    name = "sendgrid"

    def __init__(
        self,
        api_key: str,
        *,
        host: str = DEFAULT_HOST,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        categories: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError("SendGrid needs an API key")
        check_categories(categories)
        self._api_key = api_key
        self._client = SendGridAPIClient(api_key=api_key, host=host)
        # The client's own `mail.send` endpoint and headers, on one kept-alive connection.
        self._mail_send = KeepAliveClient(
            self._client.host,
            request_headers=self._client.client.request_headers,
            version=3,
            url_path=["mail", "send"],
        )
        self.host = host
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.categories = list(categories)
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"SendGridBackend(api_key='***', host={self.host!r}, timeout={self.timeout})"

    def close(self) -> None:
        """Close the kept-alive connection (the next send opens a new one)."""
        self._mail_send.close()

    def send(self, message: Mail, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        """POST once, retrying in-process on 429/5xx; give up as TemporaryFailure after that."""
        payload = build_payload(message, delivery_id, self.categories, dry_run=dry_run)
        check_limits(payload)
        attempt = 0
        while True:
            try:
                return self._post(payload)
            except TemporaryFailure as failure:
                self.sleep(self._delay_or_give_up(attempt, failure))
                attempt += 1

    def _post(self, payload: dict[str, Any]) -> SendResult:
        try:
            response = self._mail_send.post(request_body=payload, timeout=self.timeout)
        except HTTPError as error:
            raise self._refusal(error) from None
        except URLError as error:  # urllib wraps only what fails before the request is out
            raise TemporaryFailure(
                f"SendGrid {self.host}: cannot connect ({error.reason})"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            raise UncertainDelivery(
                f"SendGrid {self.host}: request sent, answer lost ({type(error).__name__}: {error})"
            ) from None
        return SendResult(self.name, response.headers.get("X-Message-Id", ""))

    def _refusal(self, error: HTTPError) -> TemporaryFailure | PermanentFailure:
        detail = self._redact(f"{error.status_code} {error_text(error.body)}")
        message = f"SendGrid {self.host}/v3/mail/send: {detail}"
        if error.status_code == 429 or error.status_code >= 500:
            return TemporaryFailure(message, parse_retry_after(error.headers.get("Retry-After")))
        return PermanentFailure(message)

    def _delay_or_give_up(self, attempt: int, failure: TemporaryFailure) -> float:
        """Seconds to wait before the next try; re-raise when out of tries or asked to wait long."""
        backoff = min(self.backoff_cap, self.backoff_base * 2**attempt)
        wait = failure.retry_after if failure.retry_after is not None else backoff
        if attempt >= self.max_retries or wait > self.backoff_cap:
            # Keep the delivery pending: the outbox retries after `retry_after`.
            raise TemporaryFailure(str(failure), retry_after=wait) from None
        return wait

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***")


def build_payload(
    message: Mail, delivery_id: int, categories: Sequence[str], *, dry_run: bool
) -> dict[str, Any]:
    """The /v3/mail/send body for one rendered email (the same for either form)."""
    sender = _addresses(message, "From")
    if not sender or message["Subject"] is None:
        raise PermanentFailure(f"delivery {delivery_id}: message has no From or no Subject")
    payload: dict[str, Any] = {
        "personalizations": [_personalization(message, delivery_id)],
        "from": sender[0],
        "subject": str(message["Subject"]),
        "content": _content(message, delivery_id),
        "custom_args": _custom_args(message, delivery_id),
    }
    if headers := _extra_headers(message):
        payload["headers"] = headers
    if reply_to := _addresses(message, "Reply-To"):
        payload["reply_to"] = reply_to[0]
    if categories:
        payload["categories"] = list(categories)
    if dry_run:
        payload["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return payload


def check_limits(payload: dict[str, Any]) -> None:
    """SendGrid refuses more than 1000 recipients or a request of 30 MB or more."""
    recipients = sum(
        len(p.get(kind, [])) for p in payload["personalizations"] for kind in ("to", "cc", "bcc")
    )
    if recipients > MAX_RECIPIENTS:
        raise PermanentFailure(f"{recipients} recipients; SendGrid takes at most {MAX_RECIPIENTS}")
    size = len(json.dumps(payload).encode())
    if size >= MAX_REQUEST_BYTES:
        raise ContentRefused(f"request of {size} bytes; SendGrid takes under {MAX_REQUEST_BYTES}")


def check_categories(categories: Sequence[str]) -> None:
    """SendGrid refuses more than 10 categories or one longer than 255 characters."""
    if len(categories) > MAX_CATEGORIES or any(len(c) > MAX_CATEGORY_LENGTH for c in categories):
        raise ValueError(
            f"SendGrid takes at most {MAX_CATEGORIES} categories of up to "
            f"{MAX_CATEGORY_LENGTH} characters, got {list(categories)!r}"
        )


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_text(body: bytes | str) -> str:
    """SendGrid's `errors[].message` list, or the raw body when it is not that JSON."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        errors = json.loads(text)["errors"]
        return "; ".join(str(error.get("message")) for error in errors)
    except (ValueError, KeyError, TypeError, AttributeError):
        return text[:500]


def _addresses(message: Mail, header: str) -> list[dict[str, str]]:
    pairs = getaddresses([str(value) for value in message.get_all(header, [])])
    return [
        {"email": email, "name": name} if name else {"email": email}
        for name, email in pairs
        if email
    ]


def _personalization(message: Mail, delivery_id: int) -> dict[str, Any]:
    personalization = {kind.lower(): _addresses(message, kind) for kind in ("To", "Cc", "Bcc")}
    if not personalization["to"]:
        raise PermanentFailure(f"delivery {delivery_id}: message has no To recipient")
    return {kind: found for kind, found in personalization.items() if found}


def _content(message: Mail, delivery_id: int) -> list[dict[str, str]]:
    """text/plain first, then text/html: the order SendGrid requires."""
    if isinstance(message, OutgoingMail):
        bodies = (("text/plain", message.text), ("text/html", message.html))
        return [{"type": kind, "value": body} for kind, body in bodies if body is not None]
    parts = [message.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
    content = [
        {"type": part.get_content_type(), "value": part.get_content()}
        for part in parts
        if isinstance(part, EmailMessage)
    ]
    if not content:
        raise PermanentFailure(f"delivery {delivery_id}: message has no text or HTML part")
    return content


def _extra_headers(message: Mail) -> dict[str, str]:
    return {
        name: str(value)
        for name, value in message.items()
        if name.lower() not in NOT_PASSED_AS_HEADERS
    }


def _custom_args(message: Mail, delivery_id: int) -> dict[str, str]:
    custom_args = {"delivery_id": str(delivery_id)}
    if (subscription_ids := message[SUBSCRIPTION_IDS_HEADER]) is not None:
        custom_args["subscription_ids"] = str(subscription_ids)
    return custom_args
