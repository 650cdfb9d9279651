"""SendGrid's Event Webhook: bounces, drops, spam reports and unsubscribes come in by themselves.

SendGrid POSTs a JSON array of events, signed (Signed Event Webhook): ECDSA P-256 with SHA-256
over the timestamp header followed by the body, the DER signature in base64, checked with the
verification key in FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY by the `sendgrid` package's helper.
No key, no signature or a wrong one: 403 and nothing read further. What each event does to an
address is alerts.suppression's decision; here a SendGrid event becomes an AddressReport:

- `bounce` of type "bounce" is a hard bounce (suppressed); of type "blocked" the receiving
  server refused for now (kept as a record, the address stays on: SendGrid itself does not
  suppress blocks);
- `dropped`, `spamreport`: suppressed; `unsubscribe`, `group_unsubscribe`: unsubscribed;
- anything else (processed, delivered, deferred, open, click...): logged and ignored.

The whole batch is checked before anything is written, and written in one transaction: a
malformed batch (400) changes nothing, and SendGrid retries on anything but 2xx.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections import Counter
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from fastapi import APIRouter, HTTPException, Request, status
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from alerts.suppression import BLOCKED, BOUNCE, RECORDED, AddressReport, record_report
from fivewatch.web.state import SessionDep, StateDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", include_in_schema=False)

PROVIDER, LABEL = "sendgrid", "SendGrid"
# SendGrid posts a batch once it reaches 768 KB (or every 30 s); twice that is room enough.
MAX_BODY = 1536 * 1024
KEY_SETTING = "FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY"
PEM_LINE = re.compile(r"-----(BEGIN|END) PUBLIC KEY-----")


@router.post("/sendgrid")
async def sendgrid_events(request: Request, session: SessionDep, state: StateDep) -> dict[str, int]:
    """Verify, read and apply one batch; answers how many events were recorded, seen before
    (a replay: nothing changes) or ignored."""
    key = _public_key(state.config.sendgrid_webhook_public_key)
    signature = request.headers.get(EventWebhookHeader.SIGNATURE, "")
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP, "")
    if not signature or not timestamp:
        raise _forbidden("no SendGrid signature or timestamp header")
    body = await _bounded_body(request)
    if not _genuine(key, body, signature, timestamp):
        raise _forbidden("the SendGrid signature does not match this body")
    reports, ignored = _reports(_events(body))
    # Database work off the event loop, as FastAPI does for the plain `def` routes.
    outcome = await run_in_threadpool(_apply, session, reports)
    if ignored:
        log.info("SendGrid events ignored (not about an address): %s", dict(ignored))
    return {"recorded": outcome[True], "replayed": outcome[False], "ignored": ignored.total()}


def _apply(session: Session, reports: list[AddressReport]) -> Counter[bool]:
    """Every report in one transaction: recorded (True) or a replay (False)."""
    outcome = Counter(record_report(session, report) for report in reports)
    session.commit()
    return outcome


def _forbidden(why: str) -> HTTPException:
    log.warning("POST /webhooks/sendgrid refused: %s", why)
    return HTTPException(status.HTTP_403_FORBIDDEN, f"Refused: {why}.")


@lru_cache(maxsize=4)
def _verifier_key(configured: str) -> EllipticCurvePublicKey:
    """The key as SendGrid shows it (base64 DER), also when pasted with its PEM lines."""
    base64_der = "".join(PEM_LINE.sub("", configured).split())
    key = EventWebhook().convert_public_key_to_ecdsa(base64_der)
    if not isinstance(key, EllipticCurvePublicKey):
        raise ValueError("not an elliptic-curve key")
    return key


def _public_key(configured: str) -> EllipticCurvePublicKey:
    """The configured verification key; unset, every post is refused (403)."""
    if not configured.strip():
        raise _forbidden(f"{KEY_SETTING} is not set")
    try:
        return _verifier_key(configured)
    except ValueError as error:
        log.error("%s is not SendGrid's verification key: %s", KEY_SETTING, error)
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            f"{KEY_SETTING} is not a valid ECDSA public key",
        ) from None


async def _bounded_body(request: Request) -> bytes:
    """The body, refused with 413 past MAX_BODY (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"SendGrid batch over {MAX_BODY} bytes"
    )
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_large
    return bytes(body)


def _genuine(key: EllipticCurvePublicKey, body: bytes, signature: str, timestamp: str) -> bool:
    """SendGrid's own check; a body that is not UTF-8 or a signature that is not base64 DER
    cannot have been signed by it."""
    try:
        base64.b64decode(signature, validate=True)
        return bool(EventWebhook().verify_signature(body.decode(), signature, timestamp, key))
    except (binascii.Error, UnicodeDecodeError, InvalidSignature, ValueError):
        return False


def _events(body: bytes) -> list[dict[str, Any]]:
    """The batch: a JSON array of objects, or 400 naming what is wrong."""
    try:
        events = json.loads(body)
    except ValueError as error:
        raise _bad_request(f"body is not JSON ({error})") from None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise _bad_request("body is not a JSON array of event objects")
    return events


def _bad_request(why: str) -> HTTPException:
    log.error("SendGrid event webhook: %s; nothing recorded", why)
    return HTTPException(status.HTTP_400_BAD_REQUEST, f"SendGrid event webhook: {why}")


def _reports(events: list[dict[str, Any]]) -> tuple[list[AddressReport], Counter[str]]:
    """The events about an address as reports, and a count of the others by name."""
    reports: list[AddressReport] = []
    ignored: Counter[str] = Counter()
    for index, event in enumerate(events):
        name = _event_name(event)
        if name in RECORDED:
            reports.append(_report(index, event, name))
        else:
            ignored[str(event.get("event"))] += 1
    return reports, ignored


def _event_name(event: dict[str, Any]) -> str:
    """SendGrid's event name; a bounce of type "blocked" is a block, not a bounce."""
    name = str(event.get("event", ""))
    if name == BOUNCE and event.get("type") == BLOCKED:
        return BLOCKED
    return name


def _report(index: int, event: dict[str, Any], name: str) -> AddressReport:
    """One event as a report, or 400 naming the event and the missing field."""
    email, event_id, at = event.get("email"), event.get("sg_event_id"), event.get("timestamp")
    if not isinstance(email, str) or not email or not isinstance(event_id, str) or not event_id:
        raise _bad_request(f"event {index} ({name}) has no email or no sg_event_id")
    try:
        if isinstance(at, bool) or not isinstance(at, int | float):
            raise TypeError
        occurred_at = datetime.fromtimestamp(at, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _bad_request(f"event {index} ({name}) has no usable timestamp: {at!r}") from None
    return AddressReport(
        provider=PROVIDER,
        event_id=event_id,
        email=email,
        event=name,
        reason=_reason(event),
        occurred_at=occurred_at,
        provider_label=LABEL,
    )


def _reason(event: dict[str, Any]) -> str:
    """SendGrid's words: the server's reply for a bounce, why it dropped, which group."""
    if group := event.get("asm_group_id"):
        return f"unsubscribe group {group}"
    return str(event.get("reason") or event.get("response") or "")
