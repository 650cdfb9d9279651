"""Admin mail: one email when a source-health incident opens, one when it closes."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.admin_mail import health_problems, queue_admin_mail, render_admin
from alerts.backends.file import FileBackend
from alerts.deliver import DeliverySummary, send_pending
from alerts.mail_links import Links
from models import CrawlRun, Delivery, Incident, Source, Subscriber
from models.store import ensure_source
from tests.alerts.conftest import NOW

ADMIN = "ops@example.org"


def crawled(
    session: Session, slug: str, status: str, ago: timedelta, items: int = 10, verified: bool = True
) -> Source:
    """A source whose latest run, `ago` before NOW, ended `status` (as the crawl records it)."""
    source = ensure_source(session, slug=slug, jurisdiction=slug[:2], kind="bills")
    source.verified = verified
    at = NOW - ago
    session.add(
        CrawlRun(source=source, started_at=at, finished_at=at, status=status, items_scraped=items)
    )
    source.last_run_at = at
    if status == "ok":
        source.last_success_at = at
    session.flush()
    return source


def sources(session: Session) -> None:
    """uk-bills failing by its last crawl, ca-gc-news silent for three intervals, us fine."""
    uk = crawled(session, "uk-bills", "failed", timedelta(minutes=10), items=0)
    uk.health_reason = "3 error(s) and nothing collected"
    crawled(session, "ca-gc-news", "ok", timedelta(hours=3))
    crawled(session, "us-bills", "ok", timedelta(minutes=30))


def test_problems_are_flagged_and_stale_sources_found(session: Session) -> None:
    sources(session)
    assert [(p.slug, p.state) for p in health_problems(session, NOW)] == [
        ("ca-gc-news", "stale"),
        ("uk-bills", "failing"),
    ]


def subjects(session: Session) -> list[str]:
    return list(session.scalars(select(Delivery.subject).order_by(Delivery.id)))


def test_each_incident_is_mailed_when_it_opens_and_when_it_closes(session: Session) -> None:
    assert queue_admin_mail(session, ADMIN, NOW) == 0  # no sources, no problems
    sources(session)
    assert queue_admin_mail(session, ADMIN, NOW) == 2
    assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=5)) == 0  # nothing new
    crawled(session, "uk-bills", "ok", timedelta(minutes=5))  # fixed
    assert queue_admin_mail(session, ADMIN, NOW) == 1
    assert subjects(session) == [
        "FiveWatch admin: ca-gc-news is stale",
        "FiveWatch admin: uk-bills is failing",
        "FiveWatch admin: uk-bills resolved (was failing)",
    ]
    admin = session.scalars(select(Subscriber)).one()
    assert (admin.email, admin.confirmed_at) == (ADMIN, None)  # never receives alerts


def test_fail_recover_fail_is_mailed_three_times_as_two_incidents(session: Session) -> None:
    """Before: the second failure's subject equalled the first one's, the last mailed before
    the recovery's, and it was never mailed."""
    for minutes, status in ((30, "failed"), (20, "ok"), (10, "failed")):
        crawled(session, "uk-bills", status, timedelta(minutes=minutes), items=0)
        assert queue_admin_mail(session, ADMIN, NOW - timedelta(minutes=minutes - 1)) == 1
    assert subjects(session) == [
        "FiveWatch admin: uk-bills is failing",
        "FiveWatch admin: uk-bills resolved (was failing)",
        "FiveWatch admin: uk-bills is failing",
    ]
    incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
    assert [(i.state, i.closed_at is not None) for i in incidents] == [
        ("failing", True),
        ("failing", False),
    ]


def test_a_changing_problem_updates_its_incident_and_is_not_mailed_again(
    session: Session,
) -> None:
    crawled(session, "us-bills", "failed", timedelta(minutes=20), items=0)
    assert queue_admin_mail(session, ADMIN, NOW - timedelta(minutes=19)) == 1
    crawled(session, "us-bills", "empty", timedelta(minutes=10), items=0)
    assert queue_admin_mail(session, ADMIN, NOW - timedelta(minutes=9)) == 0
    incident = session.scalars(select(Incident)).one()
    assert (incident.state, incident.last_state) == ("failing", "empty")
    assert incident.updated_at == NOW - timedelta(minutes=9)


def test_incidents_are_recorded_without_an_address_and_mailed_once_one_is_set(
    session: Session,
) -> None:
    crawled(session, "uk-bills", "failed", timedelta(minutes=10), items=0)
    assert queue_admin_mail(session, "", NOW) == 0
    assert session.scalars(select(Incident)).one().mailed_open_at is None
    assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=1)) == 1
    assert subjects(session) == ["FiveWatch admin: uk-bills is failing"]


def send_to_outbox(session: Session, outbox: Path) -> DeliverySummary:
    """`fivewatch send` with the .eml outbox backend."""
    return send_pending(
        sessionmaker(session.get_bind()), FileBackend(outbox), now=NOW,
        mail_from="alerts@fw.example", links=Links("https://fivewatch.example.org", ""),
    )  # fmt: skip


def sent_texts(outbox: Path) -> dict[str, str]:
    """Subject → body of each .eml the file backend wrote."""
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in outbox.glob("*.eml")
    ]
    assert {message["To"] for message in messages} == {ADMIN}
    return {str(message["Subject"]): message.get_content() for message in messages}


def test_each_admin_email_names_its_source_and_cause(session: Session, tmp_path: Path) -> None:
    sources(session)
    queue_admin_mail(session, ADMIN, NOW)
    session.commit()
    assert send_to_outbox(session, tmp_path).sent == 2
    texts = sent_texts(tmp_path)
    failing = texts["FiveWatch admin: uk-bills is failing"]
    assert "uk-bills (UK): failing\n  3 error(s) and nothing collected" in failing
    stale = texts["FiveWatch admin: ca-gc-news is stale"]
    assert "ca-gc-news (CA): stale\n  no successful run since 2026-11-29T03:00+00:00" in stale
    assert "https://fivewatch.example.org/admin" in stale


def test_the_closing_email_says_resolved_and_how_long(session: Session, tmp_path: Path) -> None:
    crawled(session, "uk-bills", "failed", timedelta(minutes=20), items=0)
    queue_admin_mail(session, ADMIN, NOW - timedelta(minutes=19))
    crawled(session, "uk-bills", "ok", timedelta(minutes=10))
    queue_admin_mail(session, ADMIN, NOW - timedelta(minutes=9))
    session.commit()
    assert send_to_outbox(session, tmp_path).sent == 2
    resolved = sent_texts(tmp_path)["FiveWatch admin: uk-bills resolved (was failing)"]
    assert "uk-bills (UK): resolved\n  failing since 2026-11-29T05:41+00:00" in resolved
    assert "until 2026-11-29T05:51+00:00" in resolved


def test_a_sent_email_without_a_subject_keeps_the_queued_subject(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawled(session, "uk-bills", "failed", timedelta(minutes=10), items=0)
    queue_admin_mail(session, ADMIN, NOW)
    session.commit()
    queued = session.scalars(select(Delivery.subject)).one()

    def without_subject(*args: object) -> EmailMessage:
        message = render_admin(*args)  # type: ignore[arg-type]
        message.replace_header("Subject", "")
        return message

    monkeypatch.setattr("alerts.deliver.render_admin", without_subject)
    summary = send_to_outbox(session, tmp_path)
    assert summary.sent == 1
    session.expire_all()
    delivery = session.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.subject, delivery.sent_at) == ("sent", queued, NOW)
    assert delivery.provider == "file"


def test_an_unverified_source_is_named_so_once_not_as_a_failure(session: Session) -> None:
    """A blind source whose replay went fine is a standing condition: listed as unverified
    (never healthy), mailed once, and resolved once it is recorded live."""
    crawled(session, "nz-bills", "ok", timedelta(minutes=5), verified=False)
    crawled(session, "us-bills", "ok", timedelta(minutes=5))
    ensure_source(session, slug="au-bills", jurisdiction="au", kind="bills", verified=False)
    [problem] = health_problems(session, NOW)  # au-bills never ran: no mail about it
    assert (problem.slug, problem.state) == ("nz-bills", "unverified")
    assert queue_admin_mail(session, ADMIN, NOW) == 1
    for minutes in (5, 10):  # later runs, same standing condition: no more mail
        crawled(session, "nz-bills", "ok", timedelta(minutes=-minutes), verified=False)
        assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=minutes)) == 0
    crawled(session, "nz-bills", "ok", timedelta(minutes=-15))  # recorded live: verified
    assert health_problems(session, NOW + timedelta(minutes=15)) == []
    assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=15)) == 1
    assert subjects(session) == [
        "FiveWatch admin: nz-bills is unverified",
        "FiveWatch admin: nz-bills resolved (was unverified)",
    ]


def test_a_source_that_went_quiet_is_mailed_as_empty(session: Session) -> None:
    crawled(session, "us-bills", "ok", timedelta(minutes=20))
    crawled(session, "us-bills", "empty", timedelta(minutes=5), items=0)
    assert [(p.slug, p.state) for p in health_problems(session, NOW)] == [("us-bills", "empty")]
