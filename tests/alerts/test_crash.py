"""Crash safety through the real SendGrid client and a local v3 endpoint, in real processes.

A sender is killed (SIGKILL) right after SendGrid answered 202 and before the outcome is
committed; a request times out after SendGrid received it; two senders run at once. Each
test asserts what the endpoint saw per delivery id: exactly once wherever the provider's id
was recorded, at-least-once with a visible log line where it was not.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.sendgrid import SendGridBackend
from alerts.deliver import CLAIM_BATCH, LEASE, send_pending
from alerts.mail_links import Links
from models import Delivery
from models.db import make_engine
from tests.alerts.conftest import NOW, Store
from tests.alerts.mailservers import FakeSendGrid, Reply
from tests.alerts.test_deliver import queue_alerts
from tests.conftest import ROOT

SECRET = "crash-test-secret"
# The sending process: SendGrid backend on the local endpoint; it kills itself (SIGKILL, no
# clean-up, like the OOM killer) right after the 202 for delivery `kill_after` came back.
SENDER = """
import logging, os, signal, sys
from datetime import datetime
import alerts.deliver
from alerts.backends.sendgrid import SendGridBackend
from alerts.deliver import send_pending
from alerts.mail_links import Links
from models.db import make_engine, make_session_factory

db_url, host, now, kill_after, batch = sys.argv[1:6]
alerts.deliver.CLAIM_BATCH = int(batch)
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

class KilledAfterAccepted(SendGridBackend):
    def send(self, message, *, delivery_id, dry_run=False):
        result = super().send(message, delivery_id=delivery_id, dry_run=dry_run)
        if delivery_id == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)
        return result

summary = send_pending(
    make_session_factory(make_engine(db_url)),
    KilledAfterAccepted("SG.crash-test", host=host, timeout=5, max_retries=0),
    now=datetime.fromisoformat(now),
    mail_from="FiveWatch <alerts@fw.example>",
    links=Links("https://fivewatch.example.org", "crash-test-secret"),
)
print(summary)
"""


def accepted(count: int, delay: float = 0.0) -> list[Reply]:
    return [Reply(202, {"X-Message-Id": f"sg-{n}"}, delay=delay) for n in range(count)]


@pytest.fixture
def queued(session: Session, store: Store) -> list[int]:
    """Three subscribers with alerts on the real bills: three queued deliveries."""
    readers = ("a@example.org", "b@example.org", "c@example.org")
    return queue_alerts(session, store, [(email, "bill OR act") for email in readers])


@pytest.fixture
def endpoint() -> FakeSendGrid:
    fake = FakeSendGrid([]).start()
    yield fake  # type: ignore[misc]
    fake.stop()


def sender(
    db_url: str, host: str, now: datetime, kill_after: int = 0, batch: int = CLAIM_BATCH
) -> subprocess.Popen[str]:
    """A sender process; `batch` 1 makes two senders interleave claim by claim."""
    arguments = [db_url, host, now.isoformat(), str(kill_after), str(batch)]
    command = [sys.executable, "-c", SENDER, *arguments]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def seen(endpoint: FakeSendGrid) -> Counter[int]:
    return Counter(int(r.payload["custom_args"]["delivery_id"]) for r in endpoint.requests)


def outbox(db_url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id))
        result = [(d.id, d.status, d.provider_message_id) for d in rows]
    engine.dispose()
    return result


def test_a_sender_killed_between_the_202_and_the_commit(
    db_url: str, queued: list[int], endpoint: FakeSendGrid
) -> None:
    first, second, third = queued
    endpoint.replies = accepted(4)
    code, output = finished(sender(db_url, endpoint.url, NOW, kill_after=second))
    assert code == -signal.SIGKILL, output
    # The third was claimed with the batch but never handed over: "sending", not lost.
    assert outbox(db_url) == [
        (first, "sent", "sg-0"),
        (second, "sending", ""),
        (third, "sending", ""),
    ]

    code, output = finished(sender(db_url, endpoint.url, NOW + 2 * LEASE))
    assert code == 0, output
    assert f"delivery {second}: outcome unknown (a run stopped while sending)" in output
    assert "may arrive twice" in output
    assert "2 sent, 0 to retry, 0 failed, 0 uncertain, 2 resent" in output
    # Recorded as sent: exactly once. Not recorded: at-least-once, and said so above.
    assert seen(endpoint) == {first: 1, second: 2, third: 1}
    assert [status for _, status, _ in outbox(db_url)] == ["sent"] * 3
    assert endpoint.problems == []


def test_a_timeout_after_sendgrid_received_it_is_uncertain_then_resent(
    engine: Engine,
    db_url: str,
    queued: list[int],
    endpoint: FakeSendGrid,
    caplog: pytest.LogCaptureFixture,
) -> None:
    factory = sessionmaker(engine)
    backend = SendGridBackend("SG.test", host=endpoint.url, timeout=0.3, max_retries=0)
    links = Links("https://fivewatch.example.org", SECRET)
    endpoint.replies = [Reply(202, delay=1.0), *accepted(3)]
    first = send_pending(factory, backend, now=NOW, mail_from="alerts@fw.example", links=links)
    assert (first.sent, first.uncertain) == (2, 1)
    assert outbox(db_url)[0][1] == "uncertain"
    assert (
        f"delivery {queued[0]}: SendGrid {endpoint.url}: request sent, answer lost" in caplog.text
    )
    later = NOW + timedelta(minutes=1)
    again = send_pending(factory, backend, now=later, mail_from="alerts@fw.example", links=links)
    assert (again.sent, again.resent) == (1, 1)
    assert "outcome unknown (the provider's answer was lost)" in caplog.text
    assert seen(endpoint) == {queued[0]: 2, queued[1]: 1, queued[2]: 1}
    assert [status for _, status, _ in outbox(db_url)] == ["sent"] * 3


def test_two_senders_at_once_send_each_delivery_exactly_once(
    db_url: str, queued: list[int], endpoint: FakeSendGrid
) -> None:
    endpoint.replies = accepted(3, delay=0.2)
    senders = [sender(db_url, endpoint.url, NOW, batch=1) for _ in range(2)]
    results = [finished(process) for process in senders]
    assert [code for code, _ in results] == [0, 0], results
    sent_by_each = [int(re.findall(r"(\d+) sent", output)[0]) for _, output in results]
    assert sum(sent_by_each) == 3
    assert seen(endpoint) == dict.fromkeys(queued, 1)
    assert sorted(status for _, status, _ in outbox(db_url)) == ["sent"] * 3
    assert sorted(message_id for _, _, message_id in outbox(db_url)) == ["sg-0", "sg-1", "sg-2"]
