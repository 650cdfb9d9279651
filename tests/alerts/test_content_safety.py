"""Hostile content never loses an alert: titles with line breaks, links that are not http(s).

Every title and URL below is SYNTHETIC (a real UK bill with its title or link replaced): what a
careless or hostile source could send. Each alert must still be delivered, through the file
outbox, real SMTP (aiosmtpd on loopback) and a local SendGrid v3 stand-in, with a one-line
Subject and no `javascript:` / `data:` link in either part.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.backends.interface import MailBackend
from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.smtp import SmtpBackend
from alerts.deliver import MAX_BACKOFF, DeliverySummary, queue_deliveries, send_pending
from alerts.headers import MAX_HEADER_CHARS, header_text
from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.subscriptions import follow, subscribe
from models import Delivery
from tests.alerts.conftest import NOW, Store
from tests.alerts.mailservers import FakeSendGrid, Reply, SmtpScript, read_outbox
from tests.alerts.realbills import uk_bill_2818

# SYNTHETIC: every character that splits a header (str.splitlines) or hides in one.
BREAKS = {
    "lf": "\n",
    "cr": "\r",
    "crlf": "\r\n",
    "vt": "\x0b",
    "ff": "\x0c",
    "fs": "\x1c",
    "nel": "\x85",
    "ls": "\u2028",
    "ps": "\u2029",
    "esc": "\x1b",
    "csi": "\x9b",
    "tab": "\t",
}
# SYNTHETIC: links an email must never carry.
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https:/\\evil.example",
]


def run(session: Session, backend: MailBackend, at: timedelta = timedelta(0)) -> DeliverySummary:
    return send_pending(
        sessionmaker(session.get_bind()), backend, now=NOW + at, mail_from="alerts@fw.example",
        links=Links("https://fivewatch.example.org", "content-test-secret"),
    )  # fmt: skip


def queue_broken_titles(session: Session, store: Store) -> dict[str, str]:
    """One reader per kind of break, each alerted on its own SYNTHETIC title: address ->
    the one-line Subject title it must get."""
    expected = {}
    for kind, brk in BREAKS.items():
        title = f"Online Safety{brk}marker{kind} Bill"
        store(dataclasses.replace(uk_bill_2818(), external_id=f"synthetic-{kind}", title=title))
        subscribe(session, email=f"{kind}@example.org", query=f"marker{kind}", confirmed=True)
        expected[f"{kind}@example.org"] = f"Online Safety marker{kind} Bill"
    match_changes(session, NOW)
    assert queue_deliveries(session, NOW) == len(BREAKS)
    session.commit()
    return expected


def assert_all_sent(session: Session) -> None:
    session.expire_all()
    statuses = [(d.status, d.last_error) for d in session.scalars(select(Delivery))]
    assert statuses == [("sent", "")] * len(BREAKS)


def assert_one_line_subjects(subjects: dict[str, str], expected: dict[str, str]) -> None:
    assert subjects.keys() == expected.keys()  # one message per reader
    for address, subject in subjects.items():
        assert len(subject.splitlines()) == 1, subject
        assert subject == f"FiveWatch: UK bill, new — {expected[address]}"


def test_header_text_makes_every_break_a_space_and_caps_the_length() -> None:
    for brk in [*BREAKS.values(), "\x00", "\x7f", "\x9f"]:
        assert header_text(f" a{brk}{brk}b ") == "a b"
    assert header_text("\ud800") == "\ufffd"  # a lone surrogate could not be encoded
    long = header_text("word " * 100)
    assert len(long) == MAX_HEADER_CHARS
    assert long.endswith("…")


def test_titles_with_line_breaks_are_delivered_through_the_file_outbox(
    session: Session, store: Store, tmp_path: Path
) -> None:
    expected = queue_broken_titles(session, store)
    assert run(session, FileBackend(tmp_path)).sent == len(BREAKS)
    assert_all_sent(session)
    messages = read_outbox(tmp_path)
    assert_one_line_subjects({str(m["To"]): str(m["Subject"]) for m in messages}, expected)


def test_titles_with_line_breaks_are_delivered_over_smtp(
    session: Session, store: Store, smtp: tuple[str, SmtpScript]
) -> None:
    url, script = smtp
    expected = queue_broken_titles(session, store)
    assert run(session, SmtpBackend(url, timeout=5)).sent == len(BREAKS)
    assert_all_sent(session)
    subjects = {str(m["To"]): str(m["Subject"]) for _, m in script.received}
    assert len(script.received) == len(BREAKS)
    assert_one_line_subjects(subjects, expected)


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid([]).start()
    yield fake
    fake.stop()


def test_titles_with_line_breaks_are_delivered_through_sendgrid(
    session: Session, store: Store, sendgrid: FakeSendGrid
) -> None:
    expected = queue_broken_titles(session, store)
    sendgrid.replies = [Reply(202, {"X-Message-Id": f"sg-{n}"}) for n in range(len(BREAKS))]
    backend = SendGridBackend("SG.test", host=sendgrid.url, timeout=5, max_retries=0)
    assert run(session, backend).sent == len(BREAKS)
    assert_all_sent(session)
    assert sendgrid.problems == []
    payloads = [request.payload for request in sendgrid.requests]
    subjects = {p["personalizations"][0]["to"][0]["email"]: p["subject"] for p in payloads}
    assert_one_line_subjects(subjects, expected)


HREF = re.compile(r'href="([^"]*)"')


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_document_link_never_reaches_the_email(
    session: Session, store: Store, tmp_path: Path, url: str
) -> None:
    store(dataclasses.replace(uk_bill_2818(), url=url))
    subscribe(session, email="reader@example.org", query="rates", confirmed=True)
    match_changes(session, NOW)
    queue_deliveries(session, NOW)
    session.commit()
    assert run(session, FileBackend(tmp_path)).sent == 1  # still delivered, link left out
    [message] = read_outbox(tmp_path)
    html, text = (_part(message, kind) for kind in ("html", "plain"))
    assert all(href.startswith("https://fivewatch.example.org/") for href in HREF.findall(html))
    assert "Official page" not in html + text
    for scheme in ("script:", "data:", "evil.example"):
        assert scheme not in (html + text).lower()


def test_an_http_document_link_is_still_written(
    session: Session, store: Store, tmp_path: Path
) -> None:
    store(uk_bill_2818())
    subscribe(session, email="reader@example.org", query="rates", confirmed=True)
    match_changes(session, NOW)
    queue_deliveries(session, NOW)
    session.commit()
    run(session, FileBackend(tmp_path))
    [message] = read_outbox(tmp_path)
    link = "https://bills.parliament.uk/bills/2818"
    assert f'href="{link}"' in _part(message, "html")
    assert f"Official page: {link}" in _part(message, "plain")


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def queue_one(session: Session, store: Store) -> int:
    store(uk_bill_2818())
    subscribe(session, email="reader@example.org", query="rates", confirmed=True)
    match_changes(session, NOW)
    queue_deliveries(session, NOW)
    session.commit()
    return session.scalars(select(Delivery.id)).one()


def held(session: Session, delivery_id: int) -> tuple[str, str, int]:
    session.expire_all()
    delivery = session.get_one(Delivery, delivery_id)
    return delivery.status, delivery.last_error, len(delivery.alerts)


def test_a_message_refused_after_data_is_held_with_its_alerts(
    session: Session, store: Store, smtp: tuple[str, SmtpScript]
) -> None:
    """The recipient was accepted, the message was not (SYNTHETIC spam verdict): the alerts
    wait for another try instead of failing for good."""
    url, script = smtp
    delivery_id = queue_one(session, store)
    script.data_reply = "554 5.7.1 Message rejected as spam"
    assert run(session, SmtpBackend(url, timeout=5)).held == 1
    status, error, alerts = held(session, delivery_id)
    assert (status, alerts) == ("held", 1)
    assert error.startswith("held: SMTP")
    assert "554 DATA: 5.7.1 Message rejected as spam" in error
    script.data_reply = ""
    assert run(session, SmtpBackend(url, timeout=5), MAX_BACKOFF).sent == 1
    assert len(script.received) == 1


def test_a_message_too_large_for_sendgrid_is_held_not_failed(
    session: Session, store: Store, sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery_id = queue_one(session, store)
    monkeypatch.setattr("alerts.backends.sendgrid.MAX_REQUEST_BYTES", 1000)
    backend = SendGridBackend("SG.test", host=sendgrid.url, timeout=5, max_retries=0)
    assert run(session, backend).held == 1
    assert held(session, delivery_id)[::2] == ("held", 1)
    assert sendgrid.requests == []  # refused before it was sent


def test_following_a_bill_whose_title_breaks_lines_names_it_on_one_line(
    session: Session, store: Store
) -> None:
    title = "Online\u2028Safety\r\nBill"  # SYNTHETIC
    document = store(dataclasses.replace(uk_bill_2818(), reference="", title=title))
    assert follow(session, email="f@example.org", document=document).name == (
        "follow Online Safety Bill"
    )
