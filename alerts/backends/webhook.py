"""The chat and webhook backend: each channel delivery is one JSON POST to its destination.

Why httpx and not Apprise (which changedetection.io uses): Apprise's notify() answers only
True or False, and its Slack, Teams and Discord plugins post to the vendors' fixed hosts. The
outbox needs more than a bool: a 4xx is the destination refusing (failed, with its reason shown
to the subscriber), a 5xx, 429 or a connection that never opened is worth a retry, and a
request that went out but whose answer was lost may have been posted (uncertain, resent on the
next run). httpx (already a dependency, well kept) gives us each of those, posts to any URL
(so tests post to a local server) and keeps one connection pool for the whole run. The
payloads are the services' documented incoming-webhook JSON (alerts.channels).

Redirects are not followed (a webhook URL that moved is a configuration to fix), and neither
a URL nor a token ever appears in an error: the destination is named by its configured name.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from alerts.backends.interface import (
    ContentRefused,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.channels import Destination, Notification, Payload, payload, shorten

EXCERPT_CHARS = 200  # of a refusal's body, in the reason the subscriber sees
RETRY_STATUSES = frozenset({408, 425, 429})  # 4xx that mean "not now" rather than "no"
# Raised before a byte of the request left: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class WebhookBackend:
    name = "webhook"

    def __init__(self, destinations: Mapping[str, Destination], *, timeout: float = 10.0) -> None:
        self.destinations = dict(destinations)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, notification: Notification, *, dry_run: bool = False) -> SendResult:
        """POST the notification to its destination; raise a DeliveryError on failure."""
        destination, body = posted(self.destinations, notification)
        if dry_run:
            return SendResult(provider=destination.kind, provider_message_id="")
        response = self._post(destination, body)
        return SendResult(
            provider=destination.kind,
            provider_message_id=response.headers.get(
                "x-request-id", f"HTTP {response.status_code}"
            ),
        )

    def close(self) -> None:
        self._client.close()

    def _post(self, destination: Destination, body: Payload) -> httpx.Response:
        where = f"{destination.kind} channel {destination.name}"
        try:
            response = self._client.post(destination.url, json=body)
        except NOT_SENT as error:
            raise TemporaryFailure(f"{where}: not reached: {_cause(error)}") from error
        except httpx.TransportError as error:  # sent, answer lost: it may have been posted
            raise UncertainDelivery(f"{where}: no answer: {_cause(error)}") from error
        _check(where, response)
        return response


def posted(
    destinations: Mapping[str, Destination], notification: Notification
) -> tuple[Destination, Payload]:
    """Where the notification goes and the JSON body posted there (a send and its preview,
    alerts.preview); ContentRefused when its destination is not configured."""
    destination = destinations.get(notification.channel)
    if destination is None:  # configuration, not the subscriber: held until it is set
        raise ContentRefused(
            f"channel {notification.channel!r} is not configured "
            f"(FIVEWATCH_CHANNEL_{notification.channel.upper()}=<kind>:<url>)"
        )
    return destination, payload(destination.kind, notification)


def _check(where: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    reason = f"{where}: HTTP {status} {response.reason_phrase}: {excerpt(response.text)}"
    if status >= 500 or status in RETRY_STATUSES:
        raise TemporaryFailure(reason, retry_after=_retry_after(response))
    raise PermanentFailure(reason)


def excerpt(text: str) -> str:
    """A body's first words on one line, unprintable characters escaped (it is shown as is)."""
    flat = " ".join(text.split())
    printable = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in flat)
    return shorten(printable, EXCERPT_CHARS) or "(empty body)"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _cause(error: httpx.HTTPError) -> str:
    """The error's kind and text; httpx puts no URL in these, the kind says what happened."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
