"""POST /webhooks/sendgrid with really signed batches: bounces and complaints come in by themselves.

Each batch is signed as SendGrid signs it (ECDSA P-256, SHA-256 over the timestamp header then
the body, DER signature in base64) with a key made in the test, whose public half is the
configured FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY. The events have the fields and values of
SendGrid's Event Webhook Reference examples (twilio.com/docs/sendgrid/for-developers/
tracking-events/event); the "blocked" bounce is the one Discourse recorded from SendGrid
(discourse commit fbe5a9c, app/controllers), its address replaced by ours.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.deliver import queue_deliveries, send_pending
from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.subscriptions import subscribe
from fivewatch.web import create_app
from fivewatch.web.provider_events import MAX_BODY
from models import Delivery, Subscriber
from models.store import ensure_source, upsert_document
from models.subscribers import DeliveryEvent
from tests.alerts.realbills import uk_bill_2818
from tests.web.conftest import NOW, web_config

READER = "reader@example.org"
TIMESTAMP = "1764744420"  # 2025-12-03 06:47 UTC, when SendGrid signed the batch
OCCURRED = 1764744420
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SIGNED_AT = "X-Twilio-Email-Event-Webhook-Timestamp"


def event(name: str, event_id: str, **fields: Any) -> dict[str, Any]:
    """One event with the fields every SendGrid event carries (the reference's values)."""
    return {
        "email": READER,
        "timestamp": OCCURRED,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": name,
        "category": "cat facts",
        "sg_event_id": event_id,
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        **fields,
    }


HARD_BOUNCE = event(
    "bounce", "6g4ZI7SA-xmRDv57GoPIPw==", reason="550 5.1.1 user unknown", status="5.1.1",
    type="bounce", bounce_classification="Invalid Address",
)  # fmt: skip
DROPPED = event("dropped", "zmzJhfJgAfUSOW80yEbPyw==", reason="Bounced Address", status="5.0.0")
SPAM_REPORT = event("spamreport", "37nvH5QBz858KGVYCM5EDg==")
GROUP_UNSUBSCRIBE = event(
    "group_unsubscribe", "ahSCB7xYcXFb-hEaawsPRw==", asm_group_id=10, ip="255.255.255.255",
    useragent="Mozilla/5.0", url="http://www.example.com/",
)  # fmt: skip
BLOCKED = event(
    "bounce", "Ym91bmNlLTQtNTA0ODUxOTUtZXVvMmlLeGRTYXlQRjRZRTQtLUk3QS0w", type="blocked",
    reason="unable to get mx info: failed to get IPs from PTR record: lookup <nil>: "
    "unrecognized address", bounce_classification="Unclassified", tls=0,
)  # fmt: skip
DELIVERED = event("delivered", "rWVYmVk90MjZJ9iohOBa3w==", response="250 OK")
OPEN = event("open", "FOTFFO0ecsBE-zxFXfs6WA==", sg_machine_open=False, ip="255.255.255.255")


@pytest.fixture(scope="module")
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_a_key_pasted_with_its_pem_lines_works(
    db_url: str,
    outbox: Path,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    config = dataclasses.replace(
        web_config(db_url, outbox), sendgrid_webhook_public_key=pem.decode()
    )
    body = batch(HARD_BOUNCE)
    with TestClient(create_app(config)) as client:
        assert post(client, body, signed(signing_key, body)).status_code == 200
    assert not state(session, reader)[0]


def public_key_setting(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as SendGrid's settings page shows it: base64 DER, no PEM lines."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def signed(
    key: ec.EllipticCurvePrivateKey, body: bytes, timestamp: str = TIMESTAMP
) -> dict[str, str]:
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE: base64.b64encode(signature).decode(), SIGNED_AT: timestamp}


def batch(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


@pytest.fixture
def webhook(
    db_url: str, outbox: Path, signing_key: ec.EllipticCurvePrivateKey
) -> Iterator[TestClient]:
    config = dataclasses.replace(
        web_config(db_url, outbox), sendgrid_webhook_public_key=public_key_setting(signing_key)
    )
    with TestClient(create_app(config)) as client:
        yield client


@pytest.fixture
def reader(session: Session) -> Subscriber:
    subscription = subscribe(session, email=READER, query="child", confirmed=True)
    session.commit()
    return subscription.subscriber


def post(client: TestClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        "/webhooks/sendgrid", content=body, headers={"Content-Type": "application/json", **headers}
    )


def state(session: Session, reader: Subscriber) -> tuple[bool, str, int]:
    """What a post may change: whether mail flows, the reason given, events kept."""
    session.expire_all()
    events = session.scalar(select(func.count(DeliveryEvent.id)))
    return reader.can_receive, reader.suppressed_reason, int(events or 0)


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (HARD_BOUNCE, "bounce: 550 5.1.1 user unknown (SendGrid, 2025-12-03 06:47 UTC)"),
        (DROPPED, "dropped: Bounced Address (SendGrid, 2025-12-03 06:47 UTC)"),
        (SPAM_REPORT, "spamreport (SendGrid, 2025-12-03 06:47 UTC)"),
        (
            GROUP_UNSUBSCRIBE,
            "group_unsubscribe: unsubscribe group 10 (SendGrid, 2025-12-03 06:47 UTC)",
        ),
    ],
    ids=["bounce", "dropped", "spamreport", "group_unsubscribe"],
)
def test_a_signed_report_stops_the_mail_and_says_why(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
    report: dict[str, Any],
    reason: str,
) -> None:
    body = batch(report)
    answer = post(webhook, body, signed(signing_key, body))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"recorded": 1, "replayed": 0, "ignored": 0}
    assert state(session, reader) == (False, reason, 1)
    kept = session.scalars(select(DeliveryEvent)).one()
    assert (kept.provider, kept.event_id, kept.email) == ("sendgrid", report["sg_event_id"], READER)
    unsubscribed = report["event"] == "group_unsubscribe"
    assert (reader.unsubscribed_at is not None, reader.bounced_at is not None) == (
        unsubscribed,
        not unsubscribed,
    )


@pytest.fixture
def waiting_alerts(session: Session, reader: Subscriber) -> None:
    """The real UK bill 2818 matched for the reader and for another confirmed reader."""
    subscribe(session, email="other@example.org", query="bill", confirmed=True)
    reader.subscriptions[0].query = "bill"
    record = uk_bill_2818()
    source = ensure_source(
        session, slug=record.source, jurisdiction=record.jurisdiction, kind="bills"
    )
    upsert_document(session, source, record, NOW)
    match_changes(session, NOW)
    session.commit()


def test_a_suppressed_address_gets_no_further_delivery(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
    waiting_alerts: None,
    tmp_path: Path,
) -> None:
    body = batch(HARD_BOUNCE)
    assert post(webhook, body, signed(signing_key, body)).status_code == 200
    session.expire_all()
    assert queue_deliveries(session, NOW) == 1  # the other reader's only
    [queued] = session.scalars(select(Delivery)).all()
    assert queued.subscriber.email == "other@example.org"
    # One queued before the bounce came in is cancelled when its turn comes, not sent.
    session.add(Delivery(subscriber_id=reader.id, kind="alerts", created_at=NOW))
    session.commit()
    summary = send_pending(
        sessionmaker(session.get_bind()), FileBackend(tmp_path), now=NOW,
        mail_from="alerts@fw.example", links=Links("https://fw.example", "s", "leave@fw.example"),
    )  # fmt: skip
    assert (summary.sent, summary.cancelled) == (1, 1)
    session.expire_all()
    mine = session.scalars(select(Delivery).where(Delivery.subscriber_id == reader.id)).one()
    assert (mine.status, mine.last_error) == ("cancelled", "address bounced")


def test_a_replayed_batch_changes_nothing(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    first = batch(SPAM_REPORT)
    assert post(webhook, first, signed(signing_key, first)).status_code == 200
    before = state(session, reader)
    # SendGrid retries the same events (same sg_event_id), here signed again a minute later.
    again = post(webhook, first, signed(signing_key, first, str(int(TIMESTAMP) + 60)))
    assert again.json() == {"recorded": 0, "replayed": 1, "ignored": 0}
    assert state(session, reader) == before


def test_events_not_about_the_address_are_ignored_and_a_block_is_only_recorded(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = batch(DELIVERED, OPEN, BLOCKED)
    answer = post(webhook, body, signed(signing_key, body))
    assert answer.json() == {"recorded": 1, "replayed": 0, "ignored": 2}
    assert state(session, reader) == (True, "", 1)
    assert session.scalars(select(DeliveryEvent.event)).all() == ["blocked"]


def test_an_unknown_address_is_recorded_and_nothing_else(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = batch({**HARD_BOUNCE, "email": "Stranger@Example.org"})
    assert post(webhook, body, signed(signing_key, body)).status_code == 200
    assert state(session, reader) == (True, "", 1)
    assert session.scalars(select(DeliveryEvent.email)).one() == "stranger@example.org"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-signature"),
        pytest.param({SIGNED_AT: TIMESTAMP}, id="no-signature-header"),
        pytest.param({SIGNATURE: "bm90IGEgc2lnbmF0dXJl", SIGNED_AT: TIMESTAMP}, id="not-der"),
        pytest.param({SIGNATURE: "%%%", SIGNED_AT: TIMESTAMP}, id="not-base64"),
    ],
)
def test_an_unsigned_or_badly_signed_post_is_refused(
    webhook: TestClient, session: Session, reader: Subscriber, headers: dict[str, str]
) -> None:
    body = batch(HARD_BOUNCE)
    answer = post(webhook, body, headers)
    assert answer.status_code == 403
    assert state(session, reader) == (True, "", 0)


def test_a_signature_over_another_body_or_by_another_key_is_refused(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = batch(HARD_BOUNCE)
    tampered = batch({**HARD_BOUNCE, "email": "other@example.org"})
    stranger = ec.generate_private_key(ec.SECP256R1())
    later = str(int(TIMESTAMP) + 1)
    for sent, headers in [
        (tampered, signed(signing_key, body)),
        (body, signed(stranger, body)),
        (body, {**signed(signing_key, body), SIGNED_AT: later}),
    ]:
        assert post(webhook, sent, headers).status_code == 403
    assert state(session, reader) == (True, "", 0)


def test_without_a_configured_key_everything_is_refused(
    client: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = batch(HARD_BOUNCE)
    answer = post(client, body, signed(signing_key, body))
    assert answer.status_code == 403
    assert "FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY" in answer.json()["detail"]
    assert state(session, reader) == (True, "", 0)


def test_a_key_that_is_not_sendgrids_is_an_error_naming_the_setting(
    db_url: str,
    outbox: Path,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    # The signing key's public half cut short, as a bad copy and paste leaves it.
    cut = public_key_setting(signing_key)[:40]
    config = dataclasses.replace(web_config(db_url, outbox), sendgrid_webhook_public_key=cut)
    body = batch(HARD_BOUNCE)
    with TestClient(create_app(config)) as client:
        answer = post(client, body, signed(signing_key, body))
    assert answer.status_code == 500
    assert "FIVEWATCH_SENDGRID_WEBHOOK_PUBLIC_KEY is not a valid" in answer.json()["detail"]
    assert state(session, reader) == (True, "", 0)


def test_a_huge_body_is_refused_unread(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    body = batch(*[HARD_BOUNCE] * (MAX_BODY // len(batch(HARD_BOUNCE)) + 1))
    answer = post(webhook, body, signed(signing_key, body))
    assert answer.status_code == 413
    assert state(session, reader) == (True, "", 0)


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        # SYNTHETIC bad input: the real-shaped batch cut short, and a batch of the wrong shape.
        pytest.param(batch(HARD_BOUNCE)[:-40], "body is not JSON", id="truncated"),
        pytest.param(json.dumps(HARD_BOUNCE).encode(), "not a JSON array", id="object"),
        pytest.param(
            batch(SPAM_REPORT, {**HARD_BOUNCE, "sg_event_id": None}),
            "event 1 (bounce) has no email or no sg_event_id",
            id="no-event-id",
        ),
    ],
)
def test_a_malformed_batch_is_refused_whole_with_its_cause(
    webhook: TestClient,
    session: Session,
    reader: Subscriber,
    signing_key: ec.EllipticCurvePrivateKey,
    body: bytes,
    cause: str,
) -> None:
    answer = post(webhook, body, signed(signing_key, body))
    assert answer.status_code == 400
    assert cause in answer.json()["detail"]
    assert state(session, reader) == (True, "", 0)
