"""The outbox: queue once, claim, send, record; failures keep alerts and never send twice."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from alerts.backends.file import FileBackend
from alerts.backends.interface import (
    MailBackend,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.deliver import (
    LEASE,
    MAX_BACKOFF,
    DeliverySummary,
    _Sender,
    queue_confirmations,
    queue_deliveries,
    send_pending,
)
from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.subscriptions import confirm_by_token, subscribe, unsubscribe_address
from alerts.tokens import Purpose, read_token
from models import Delivery, Subscriber
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

BASE_URL = "https://fivewatch.example.org"
LINKS = Links(BASE_URL, "test-secret")


@dataclass
class RecordingBackend:
    """Counts sends per delivery; fails with `failures` in turn first."""

    failures: list[Exception] = field(default_factory=list)
    pause: float = 0.0
    sent: list[int] = field(default_factory=list)
    name: str = "recording"

    def send(self, message: EmailMessage, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        assert message["Subject"].startswith(("FiveWatch", "Confirm your FiveWatch"))
        time.sleep(self.pause)
        if self.failures:
            raise self.failures.pop(0)
        assert not dry_run  # previews never reach send_pending (alerts.preview)
        self.sent.append(delivery_id)
        return SendResult(self.name, f"msg-{delivery_id}")


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine)


def queue_alerts(session: Session, store: Store, queries: list[tuple[str, str]]) -> list[int]:
    """Confirmed (email, query) subscriptions, the real bills stored and matched, one delivery
    queued per address: the delivery ids."""
    for email, query in queries:
        subscribe(session, email=email, query=query, confirmed=True)
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    assert queue_deliveries(session, NOW) == len({email for email, _ in queries})
    session.commit()
    return list(session.scalars(select(Delivery.id).order_by(Delivery.id)))


@pytest.fixture
def queued(session: Session, store: Store) -> list[int]:
    """Two subscribers with alerts on the real bills, queued: the delivery ids."""
    subscriptions = [
        ("a@example.org", "bill"),
        ("a@example.org", "act"),
        ("b@example.org", "rates"),
    ]
    return queue_alerts(session, store, subscriptions)


def run(
    factory: sessionmaker[Session],
    backend: MailBackend,
    at: timedelta = timedelta(0),
) -> DeliverySummary:
    return send_pending(
        factory,
        backend,
        now=NOW + at,
        mail_from="alerts@fw.example",
        links=LINKS,
    )


def deliveries(factory: sessionmaker[Session]) -> list[Delivery]:
    with factory() as session:
        statement = select(Delivery).options(selectinload(Delivery.alerts))
        return list(session.scalars(statement.order_by(Delivery.id)))


def test_queue_groups_alerts_per_subscriber_once(session: Session, queued: list[int]) -> None:
    grouped = {
        delivery_id: sorted(
            a.subscription.subscriber.email for a in session.get_one(Delivery, delivery_id).alerts
        )
        for delivery_id in queued
    }
    assert sorted(grouped.values()) == [["a@example.org"] * 2, ["b@example.org"]]
    assert queue_deliveries(session, NOW) == 0


def test_send_records_the_provider_and_never_sends_twice(
    factory: sessionmaker[Session], queued: list[int], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    summary = run(factory, FileBackend(outbox))
    assert (summary.sent, summary.failed, summary.retried) == (2, 0, 0)
    for delivery in deliveries(factory):
        assert (delivery.status, delivery.attempts, delivery.provider) == ("sent", 1, "file")
        assert (outbox / delivery.provider_message_id).is_file()
        assert delivery.sent_at is not None
        assert delivery.subject.startswith("FiveWatch: ")
    assert run(factory, FileBackend(outbox), timedelta(hours=1)).sent == 0
    assert len(list(outbox.iterdir())) == 2


def test_alert_emails_carry_one_click_unsubscribe_per_subscriber(
    factory: sessionmaker[Session], queued: list[int], tmp_path: Path
) -> None:
    run(factory, FileBackend(tmp_path))
    written = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(tmp_path.glob("*.eml"))
    ]
    with factory() as session:
        ids = {s.email: s.id for s in session.scalars(select(Subscriber))}
    found = {}
    for message in written:
        token = message["List-Unsubscribe"].removeprefix(f"<{BASE_URL}/unsubscribe/")
        found[message["To"]] = read_token("test-secret", Purpose.UNSUBSCRIBE, token[:-1])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert found == ids


def test_a_temporary_failure_keeps_the_alerts_for_a_retry(
    factory: sessionmaker[Session], queued: list[int]
) -> None:
    backend = RecordingBackend(failures=[TemporaryFailure("429 from provider", 120)])
    first = run(factory, backend)
    assert (first.sent, first.retried) == (1, 1)
    waiting = deliveries(factory)[0]
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error == "429 from provider"
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at.replace(tzinfo=None) == (NOW + timedelta(seconds=120)).replace(
        tzinfo=None
    )
    assert len(waiting.alerts) == 2
    assert run(factory, backend, timedelta(seconds=60)).sent == 0  # not due yet
    assert run(factory, backend, timedelta(seconds=121)).sent == 1
    assert sorted(backend.sent) == sorted(queued)
    assert [d.attempts for d in deliveries(factory)] == [2, 1]


def test_a_retry_waits_for_the_next_run_even_without_a_delay(
    factory: sessionmaker[Session], queued: list[int]
) -> None:
    backend = RecordingBackend(failures=[TemporaryFailure("503", 0)] * 3)
    summary = run(factory, backend)
    assert (summary.sent, summary.retried) == (0, 2)
    assert [(d.status, d.attempts) for d in deliveries(factory)] == [("pending", 1)] * 2
    assert run(factory, backend).sent == 0  # the same instant: not due yet
    assert run(factory, backend, timedelta(seconds=1)).sent == 1


def test_a_permanent_failure_is_recorded(factory: sessionmaker[Session], queued: list[int]) -> None:
    backend = RecordingBackend(failures=[PermanentFailure("550 mailbox unavailable")])
    assert run(factory, backend).failed == 1
    failed = deliveries(factory)[0]
    assert (failed.status, failed.last_error) == ("failed", "550 mailbox unavailable")
    assert run(factory, backend, timedelta(days=1)).sent == 0
    assert backend.sent == [queued[1]]


def test_an_uncertain_answer_is_resent_and_logged(
    factory: sessionmaker[Session], queued: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    backend = RecordingBackend(failures=[UncertainDelivery("connection reset after DATA")])
    assert run(factory, backend).uncertain == 1
    assert "will send again (at-least-once)" in caplog.text
    uncertain = deliveries(factory)[0]
    assert (uncertain.status, uncertain.last_error) == (
        "uncertain",
        "uncertain: connection reset after DATA",
    )
    caplog.clear()
    again = run(factory, backend, timedelta(minutes=1))
    assert (again.resent, again.sent) == (1, 1)
    assert f"delivery {queued[0]}: outcome unknown (the provider's answer was lost)" in caplog.text
    assert backend.sent == [queued[1], queued[0]]
    assert [d.status for d in deliveries(factory)] == ["sent", "sent"]


def test_a_crash_mid_send_is_resent_once_after_the_lease(
    factory: sessionmaker[Session], queued: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    crashing = RecordingBackend(failures=[RuntimeError("worker killed")])
    with pytest.raises(RuntimeError):
        run(factory, crashing)
    # The claimed batch (both) stays "sending": nothing is lost, nothing is sent again early.
    assert [d.status for d in deliveries(factory)] == ["sending", "sending"]
    backend = RecordingBackend()
    early = run(factory, backend, LEASE / 2)
    assert (early.sent, early.resent) == (0, 0)  # inside the lease they are left alone
    later = run(factory, backend, LEASE * 2)
    assert (later.sent, later.resent) == (2, 2)
    assert "outcome unknown (a run stopped while sending)" in caplog.text
    assert sorted(backend.sent) == sorted(queued)
    assert [d.status for d in deliveries(factory)] == ["sent", "sent"]


def test_a_rendering_error_holds_the_delivery_and_its_alerts_until_it_renders(
    factory: sessionmaker[Session],
    queued: list[int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Content that cannot be rendered never loses its alerts: held, reported, tried again."""

    def broken(*args: object, **kwargs: object) -> EmailMessage:
        raise KeyError("template variable")

    with monkeypatch.context() as patch:
        patch.setattr("alerts.deliver.alerts_mail", broken)
        backend = RecordingBackend()
        summary = run(factory, backend)
        assert (summary.held, summary.failed) == (2, 0)
        assert backend.sent == []
        held = deliveries(factory)
        assert [(d.status, d.last_error) for d in held] == [
            ("held", "held: could not render: KeyError('template variable')")
        ] * 2
        assert all(d.alerts for d in held)  # the alerts stay with their delivery
        assert run(factory, backend).held == 0  # not due again within the same minute
    assert "held, alerts kept" in caplog.text
    fixed = RecordingBackend()  # the bug fixed: the next due run sends both, alerts included
    assert run(factory, fixed, MAX_BACKOFF).sent == 2
    assert sorted(fixed.sent) == sorted(queued)
    assert [(d.status, len(d.alerts) > 0) for d in deliveries(factory)] == [("sent", True)] * 2


def test_two_workers_never_send_a_delivery_twice(
    factory: sessionmaker[Session], queued: list[int]
) -> None:
    backend = RecordingBackend(pause=0.05)
    workers = [threading.Thread(target=run, args=(factory, backend)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(backend.sent) == sorted(queued)


def test_unsubscribing_or_bouncing_stops_queued_mail_at_once(
    session: Session, factory: sessionmaker[Session], queued: list[int]
) -> None:
    unsubscribe_address(session, "a@example.org", NOW)
    unsubscribe_address(session, "b@example.org", NOW, bounced=True)
    session.commit()
    backend = RecordingBackend()
    assert run(factory, backend).cancelled == 2
    assert backend.sent == []
    assert [(d.status, d.last_error) for d in deliveries(factory)] == [
        ("cancelled", "subscriber unsubscribed"),
        ("cancelled", "address bounced"),
    ]


def test_double_opt_in_sends_the_confirmation_and_nothing_else_before_it(
    session: Session, factory: sessionmaker[Session], store: Store, tmp_path: Path
) -> None:
    subscription = subscribe(session, email="new@example.org", query="bill")
    store(ca_bill_s209())
    match_changes(session, NOW)
    assert (queue_confirmations(session, NOW), queue_deliveries(session, NOW)) == (1, 0)
    assert queue_confirmations(session, NOW) == 0  # one confirmation per address
    session.commit()
    assert run(factory, FileBackend(tmp_path)).sent == 1
    [confirmation] = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in tmp_path.glob("*.eml")
    ]
    assert confirmation["Subject"] == "Confirm your FiveWatch subscription"  # no free text
    link = confirmation.get_body(("plain",)).get_content().split("Confirm: ")[1].split()[0]
    confirmed = confirm_by_token(session, "test-secret", link.rsplit("/", 1)[1], NOW)
    assert confirmed.id == subscription.id
    store(uk_bill_2818())
    match_changes(session, NOW)
    assert queue_deliveries(session, NOW) == 1
    session.commit()
    assert run(factory, FileBackend(tmp_path)).sent == 1
    kinds = [(d.kind, len(d.alerts)) for d in deliveries(factory)]
    assert kinds == [("confirmation", 0), ("alerts", 1)]


def test_a_sender_that_loses_a_claim_race_goes_on_to_the_next(
    factory: sessionmaker[Session], queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite has no SKIP LOCKED: another sender may claim what this one just read."""
    real = _Sender.due_ids

    def raced(sender: _Sender, limit: int | None = None) -> list[int]:
        first = real(sender, limit)[0]
        with factory() as session, session.begin():  # the other sender wins this one
            session.execute(update(Delivery).where(Delivery.id == first).values(status="sending"))
        monkeypatch.setattr(_Sender, "due_ids", real)
        return [first]

    monkeypatch.setattr(_Sender, "due_ids", raced)
    backend = RecordingBackend()
    assert run(factory, backend).sent == 1
    assert backend.sent == [queued[1]]
