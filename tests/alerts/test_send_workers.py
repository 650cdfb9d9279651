"""Three `fivewatch send` workers at once on one outbox: every delivery sent exactly once.

The workers are real processes of the CLI with the SMTP backend, against a real SMTP server
(aiosmtpd) on loopback that takes a moment per message, so their claims overlap. Thirty
subscribers each have an alert on the real recorded bills, queued before the workers start.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.deliver import queue_deliveries
from alerts.match import match_changes
from alerts.subscriptions import subscribe
from models import Delivery
from models.store import ensure_source, upsert_document
from tests.alerts.mailservers import LOOPBACK, RecordingHandler, SmtpScript, free_port
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.conftest import ROOT

WORKERS = 3
READERS = [f"reader{n:02d}@example.org" for n in range(30)]
SECONDS_PER_MESSAGE = 0.25


class SlowHandler(RecordingHandler):
    """Accepts each message a little slowly, as a real relay does, so workers overlap."""

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        await asyncio.sleep(SECONDS_PER_MESSAGE)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[str, SmtpScript]]:
    script = SmtpScript()
    controller = Controller(SlowHandler(script), hostname=LOOPBACK, port=free_port())
    controller.start()
    yield f"smtp://{LOOPBACK}:{controller.port}", script
    controller.stop()


@pytest.fixture
def queued(session: Session) -> list[int]:
    """Thirty confirmed readers, the real bills stored and matched: one delivery each, queued."""
    now = datetime.now(UTC)
    for email in READERS:
        subscribe(session, email=email, query="bill OR act", confirmed=True)
    for record in (uk_bill_2818(), ca_bill_s209()):
        source = ensure_source(
            session, slug=record.source, jurisdiction=record.jurisdiction, kind="bills"
        )
        upsert_document(session, source, record, now)
    match_changes(session, now)
    queue_deliveries(session, now)
    session.commit()
    return list(session.scalars(select(Delivery.id).where(Delivery.status == "pending")))


def start_worker(db_url: str, smtp_url: str) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "FIVEWATCH_MAIL_BACKEND": "smtp",
        "FIVEWATCH_SMTP_URL": smtp_url,
        "FIVEWATCH_SECRET_KEY": "send-workers-test",
    }
    command = [sys.executable, "-m", "fivewatch", "send", "--database-url", db_url]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_three_send_workers_send_each_delivery_exactly_once(
    db_url: str, queued: list[int], smtp: tuple[str, SmtpScript], session: Session
) -> None:
    smtp_url, script = smtp
    assert len(queued) == len(READERS)
    workers = [start_worker(db_url, smtp_url) for _ in range(WORKERS)]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, outputs
    received = Counter(address for envelope, _ in script.received for address in envelope.rcpt_tos)
    assert received == dict.fromkeys(READERS, 1)
    session.expire_all()
    statuses = session.scalars(select(Delivery.status).where(Delivery.id.in_(queued)))
    assert Counter(statuses) == {"sent": len(READERS)}
    sent_by_each = [int(re.findall(r"(\d+) sent", output)[0]) for output in outputs]
    assert sum(sent_by_each) == len(READERS)
    assert sum(1 for sent in sent_by_each if sent) >= 2, sent_by_each  # the claims overlapped
