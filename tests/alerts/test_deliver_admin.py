"""Admin mail: source-health problems reach FIVEWATCH_ADMIN_EMAIL once per set of problems."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.admin import health_problems, queue_admin_mail, render_admin
from alerts.backends.file import FileBackend
from alerts.deliver import DeliverySummary, send_pending
from alerts.links import Links
from models import CrawlRun, Delivery, Source, Subscriber
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


def test_the_same_problems_are_mailed_once_and_a_change_again(session: Session) -> None:
    assert queue_admin_mail(session, ADMIN, NOW) == 0  # no sources, no problems
    sources(session)
    assert queue_admin_mail(session, "", NOW) == 0  # no admin address configured
    assert queue_admin_mail(session, ADMIN, NOW) == 1
    assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=5)) == 0
    session.scalars(select(Delivery)).one().status = "sent"
    crawled(session, "uk-bills", "ok", timedelta(minutes=5))  # fixed
    assert queue_admin_mail(session, ADMIN, NOW) == 1
    subjects = session.scalars(select(Delivery.subject).order_by(Delivery.id)).all()
    assert subjects == [
        "FiveWatch admin: 2 sources need attention — ca-gc-news (stale), uk-bills (failing)",
        "FiveWatch admin: 1 source needs attention — ca-gc-news (stale)",
    ]
    admin = session.scalars(select(Subscriber)).one()
    assert (admin.email, admin.confirmed_at) == (ADMIN, None)  # never receives alerts


def send_to_outbox(session: Session, outbox: Path) -> DeliverySummary:
    """`fivewatch send` with the .eml outbox backend."""
    return send_pending(
        sessionmaker(session.get_bind()), FileBackend(outbox), now=NOW,
        mail_from="alerts@fw.example", links=Links("https://fivewatch.example.org", ""),
    )  # fmt: skip


def test_the_admin_email_names_each_source_and_cause(session: Session, tmp_path: Path) -> None:
    sources(session)
    queue_admin_mail(session, ADMIN, NOW)
    session.commit()
    summary = send_to_outbox(session, tmp_path)
    assert summary.sent == 1
    [path] = tmp_path.glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == ADMIN
    text = message.get_content()
    assert "uk-bills (UK): failing\n  3 error(s) and nothing collected" in text
    assert "ca-gc-news (CA): stale\n  no successful run since 2026-11-29T03:00+00:00" in text
    assert "https://fivewatch.example.org/admin" in text


def test_a_sent_email_without_a_subject_keeps_the_queued_subject(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources(session)
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


def test_many_problems_are_mailed_once_though_the_subject_is_cut(
    session: Session, tmp_path: Path
) -> None:
    """Subjects are capped when sent: the one queued must be the one recorded, or an
    unchanged set of problems would be mailed on every run."""
    for n in range(20):
        crawled(session, f"uk-number-{n:02}", "failed", timedelta(minutes=5), items=0)
    assert queue_admin_mail(session, ADMIN, NOW) == 1
    session.commit()
    assert send_to_outbox(session, tmp_path).sent == 1
    session.expire_all()
    assert queue_admin_mail(session, ADMIN, NOW + timedelta(minutes=5)) == 0
    [path] = tmp_path.glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert str(message["Subject"]).endswith("…")
    assert "uk-number-19 (UK): failing" in message.get_content()


def test_an_unverified_source_is_named_so_once_not_as_a_failure(session: Session) -> None:
    """A blind source whose replay went fine is a standing condition: listed as unverified
    (never healthy), mailed once, and again only when the set of problems changes."""
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
    subjects = session.scalars(select(Delivery.subject)).all()
    assert subjects == ["FiveWatch admin: 1 source needs attention — nz-bills (unverified)"]


def test_a_source_that_went_quiet_is_mailed_as_empty(session: Session) -> None:
    crawled(session, "us-bills", "ok", timedelta(minutes=20))
    crawled(session, "us-bills", "empty", timedelta(minutes=5), items=0)
    assert [(p.slug, p.state) for p in health_problems(session, NOW)] == [("us-bills", "empty")]
