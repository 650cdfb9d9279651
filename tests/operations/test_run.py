"""`fivewatch run` end to end on the real ca-gc-news cassette: cycles, one alert for a changed
feed, SIGTERM, one instance at a time, and a source breaking into an HTML page."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alerts.subscriptions import subscribe
from crawlers.process import sync_sources
from models import Alert, Delivery, Source, utcnow
from models.db import make_engine
from tests.operations.runner import (
    FEED_URL,
    RunProcess,
    copy_cassette,
    feed_body,
    message,
    replace_atomically,
)

ADMIN = "admin@fivewatch.invalid"
READER = "reader@fivewatch.invalid"
NEWS_PAGE = "https://www.canada.ca/en/news.html"  # the real feed's own <id>
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_run_outlives_its_test() -> Iterator[None]:
    yield
    for run in RunProcess.started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(timeout=30)
    RunProcess.started.clear()


@pytest.fixture
def cassette(tmp_path: Path) -> Path:
    return copy_cassette(tmp_path / "cassette")


def run_env(db_url: str, tmp_path: Path, interval: int = 2) -> dict[str, str]:
    return {
        "FIVEWATCH_DATABASE_URL": db_url,
        "FIVEWATCH_STATEMENTS_INTERVAL": str(interval),
        "FIVEWATCH_MAIL_BACKEND": "file",
        "FIVEWATCH_OUTBOX_DIR": str(tmp_path / "outbox"),
        "FIVEWATCH_SECRET_KEY": "test-secret-key-for-signing-links",
        "FIVEWATCH_ADMIN_EMAIL": ADMIN,
    }


def start(db_url: str, tmp_path: Path, cassette: Path, interval: int = 2) -> RunProcess:
    args = ["ca-gc-news", "--replay", str(cassette)]
    return RunProcess(args, run_env(db_url, tmp_path, interval), tmp_path)


def emails_to(tmp_path: Path, address: str) -> list[str]:
    """Subjects of the .eml files written for `address`."""
    found = []
    for path in sorted((tmp_path / "outbox").glob("*.eml")):
        parsed = message_from_bytes(path.read_bytes())
        if address in str(parsed["To"]):
            found.append(str(parsed["Subject"]))
    return found


def with_new_entry(feed: bytes) -> bytes:
    """The real feed with one more entry: its first entry with a new id and title."""
    first = re.search(rb"<entry>.*?</entry>", feed, re.S)
    assert first is not None
    entry = first.group(0)
    entry = re.sub(rb"<title>.*?</title>", b"<title>Online safety for children</title>", entry)
    entry = re.sub(rb"<id>(.*?)</id>", rb"<id>\1#online-safety</id>", entry, flags=re.S)
    return feed[: first.start()] + entry + feed[first.start() :]


def serve_html_instead(cassette: Path) -> None:
    """The feed URL now redirects to an HTML page (built from the real feed's own entries)."""
    index = cassette / "index.jsonl"
    lines = [json.loads(text) for text in index.read_text(encoding="utf-8").splitlines()]
    feed = feed_body(cassette).read_bytes()
    page = b"<!DOCTYPE html>\n<html><body>" + feed[feed.index(b"<entry>") :][:2000]
    (cassette / "bodies" / "news.html").write_bytes(page)
    for line in lines:
        if line["url"] == FEED_URL:
            line.update(status=302, headers={"Location": NEWS_PAGE}, body="bodies/news.html")
    html = {"url": NEWS_PAGE, "status": 200, "headers": {"Content-Type": "text/html"}}
    lines.append({"method": "GET", **html, "body": "bodies/news.html"})
    text = "".join(json.dumps(line) + "\n" for line in lines)
    replace_atomically(index, text.encode("utf-8"))


def add_reader(session: Session) -> None:
    subscribe(session, email=READER, query='"online safety"', confirmed=True)
    session.commit()


def test_two_cycles_one_alert_for_a_changed_feed_then_sigterm(
    db_url: str, session: Session, tmp_path: Path, cassette: Path
) -> None:
    add_reader(session)
    run = start(db_url, tmp_path, cassette)
    run.wait_for(message("delivered"))
    assert run.named("crawl run")[0]["status"] == "ok"
    assert run.named("matched")[0]["alerts"] == 0  # nothing in the real feed says it
    replace_atomically(feed_body(cassette), with_new_entry(feed_body(cassette).read_bytes()))
    run.wait_for(lambda event: event["msg"] == "delivered" and event["sent"] == 1)
    run.wait_for(message("delivered"))  # one more whole cycle: no second alert
    assert run.stop() == 0
    assert run.events[-1]["msg"] == "scheduler stopped"
    assert len(run.named("crawl run")) >= 3
    assert len(emails_to(tmp_path, READER)) == 1
    assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_sigterm_finishes_the_crawl_under_way(db_url: str, tmp_path: Path, cassette: Path) -> None:
    run = start(db_url, tmp_path, cassette)
    run.wait_for(message("crawl started"))
    assert run.stop() == 0
    msgs = [event["msg"] for event in run.events]
    assert msgs[-3:] == ["stop requested", "crawl run", "scheduler stopped"]
    assert run.named("crawl run")[0]["status"] == "ok"
    assert not run.named("matched")  # the next step never started


def test_a_second_instance_refuses_to_start(db_url: str, tmp_path: Path, cassette: Path) -> None:
    first = start(db_url, tmp_path, cassette)
    first.wait_for(message("scheduler started"))
    second = start(db_url, tmp_path, cassette)
    assert second.process.wait(timeout=60) == 4
    assert "another `fivewatch run` is running" in "".join(second.other_lines)
    assert not second.named("scheduler started")
    assert first.stop() == 0


def recently_crawled(db_url: str) -> None:
    """Every source ran a moment ago: nothing is due, the scheduler only waits."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        sync_sources(session)
        session.execute(update(Source).values(last_run_at=utcnow()))
        session.commit()
    engine.dispose()


def test_the_lock_dies_with_its_process(db_url: str, tmp_path: Path, cassette: Path) -> None:
    recently_crawled(db_url)
    first = start(db_url, tmp_path, cassette, interval=3600)
    first.wait_for(message("scheduler started"))
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    second = start(db_url, tmp_path, cassette, interval=3600)
    second.wait_for(message("scheduler started"))
    assert second.stop() == 0
    assert not first.named("crawl started")
    assert not second.named("crawl started")


def test_an_html_page_makes_the_source_failing_and_mails_the_admin_once(
    db_url: str, session: Session, tmp_path: Path, cassette: Path
) -> None:
    run = start(db_url, tmp_path, cassette)
    run.wait_for(message("source health", verdict="healthy"))
    serve_html_instead(cassette)
    failing = run.wait_for(message("source health", verdict="failing"))
    assert "HTML page" in failing["reason"]
    assert NEWS_PAGE in failing["reason"]  # the page the feed URL redirected to
    for _ in range(2):  # two more cycles on the broken source
        run.wait_for(message("crawl run", status="failed"))
        run.wait_for(message("delivered"))
    assert run.stop() == 0
    assert len(emails_to(tmp_path, ADMIN)) == 1
    assert "FiveWatch admin: ca-gc-news is failing" in emails_to(tmp_path, ADMIN)[0]
    kinds = session.scalars(select(Delivery.kind).where(Delivery.kind == "admin")).all()
    assert len(kinds) == 1


def test_sources_command_shows_the_verdict_and_stale_without_a_crawl(
    db_url: str, tmp_path: Path, cassette: Path
) -> None:
    run = start(db_url, tmp_path, cassette)
    run.wait_for(message("source health", verdict="healthy"))
    assert run.stop() == 0
    hourly = {**run_env(db_url, tmp_path), "FIVEWATCH_STATEMENTS_INTERVAL": "3600"}
    assert sources_json(hourly)["ca-gc-news"]["health"] == "healthy"
    assert sources_json(hourly)["ca-gc-news"]["items_per_run"] == 44
    assert sources_json(hourly)["nz-beehive"]["health"] == "unknown"
    back_date_success(db_url, seconds=30)
    every_ten_seconds = {**hourly, "FIVEWATCH_STATEMENTS_INTERVAL": "10"}
    row = sources_json(every_ten_seconds)["ca-gc-news"]
    assert row["health"] == "stale"
    assert "no successful run since" in str(row["reason"])


def back_date_success(db_url: str, seconds: int) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        then = utcnow() - timedelta(seconds=seconds)
        query = update(Source).where(Source.slug == "ca-gc-news")
        session.execute(query.values(last_success_at=then, last_run_at=then))
        session.commit()
    engine.dispose()


def sources_json(env: dict[str, str]) -> dict[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "fivewatch", "sources", "--format", "json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return {str(row["slug"]): row for row in json.loads(done.stdout)}
