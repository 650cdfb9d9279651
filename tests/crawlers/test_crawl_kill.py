"""The crawl row of the crash/kill matrix (issue #15 item 3): SIGTERM and SIGKILL mid-crawl.

A real crawl process (the real ca-gc-news spider, its feed moved to a local server) reads a
SYNTHETIC feed of ENTRIES entries (tests/crawlers/synthetic_feed.py) whose release pages it
must fetch. The server answers PAGES_BEFORE_STOP pages, then holds every page request until the
test has signalled the crawler: the crawl is stopped midway by construction, not by timing.

- SIGTERM: Scrapy stops gracefully ("shutdown"). The run is "stopped", not "ok", and the feed's
  ETag is not saved, so the next run fetches the feed in full (no If-None-Match) and stores the
  rest. Before the fix the run was "ok" and the ETag saved: the next run got a 304 and the
  entries never stored were skipped for good.
- SIGKILL: nothing closes the run. The next run marks it "abandoned" and stores everything.
Either way every entry ends up stored exactly once: one document, one version, one Change each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import CrawlRun, Source
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import row_counts
from tests.crawlers.synthetic_feed import SLUG, Entry, feed_body, page_body
from tests.crawlers.test_statements_engine import crawl_local_feed

ENTRIES = 300
PAGES_BEFORE_STOP = 150  # more than a store batch (100): some records are committed
ETAG = '"synthetic-feed-v1"'
WAIT_S = 120  # upper bound on any one wait below; none is an assertion about time
POLL_S = 0.05
pytestmark = pytest.mark.slow


class HoldingFeedServer:
    """Serves the SYNTHETIC feed (with an ETag, 304 on a match) and its release pages; once
    `hold_after` pages are out, page requests wait for `release`."""

    def __init__(self, hold_after: int | None) -> None:
        self.hold_after = hold_after
        self.pages_served = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.feed_requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.entries = [Entry(n, link=f"{self.base}/release-{n}.html") for n in range(ENTRIES)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        if request.path == "/feed.atom":
            self.feed_requests.append(dict(request.headers.items()))
            if request.headers.get("If-None-Match") == ETAG:
                return self.send(request, 304, b"", "")
            return self.send(request, 200, feed_body(self.entries), "application/atom+xml")
        if request.path.startswith("/release-"):
            self.wait_turn()
            number = int(request.path.removeprefix("/release-").removesuffix(".html"))
            return self.send(request, 200, page_body(self.entries[number]), "text/html")
        return self.send(request, 404, b"", "")  # robots.txt

    def wait_turn(self) -> None:
        with self.lock:
            self.pages_served += 1
            hold = self.hold_after is not None and self.pages_served > self.hold_after
        if hold:
            self.holding.set()
            self.release.wait(WAIT_S)

    @staticmethod
    def send(request: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
        request.send_response(status)
        if status == 200:
            request.send_header("Content-Type", kind)
            request.send_header("ETag", ETAG)
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def __enter__(self) -> HoldingFeedServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start_crawl(db_url: str, feed_url: str, log: Path) -> subprocess.Popen[bytes]:
    """A crawl process (this module's __main__); the database URL in its environment."""
    env = {**os.environ, "FIVEWATCH_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "tests.crawlers.test_crawl_kill", feed_url]
    with log.open("wb") as stderr:
        return subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr)


def crawl_to_the_end(db_url: str, server: HoldingFeedServer, log: Path) -> None:
    """A second crawl from the same server (same links), nothing held."""
    server.hold_after = None
    process = start_crawl(db_url, f"{server.base}/feed.atom", log)
    assert process.wait(WAIT_S) == 0, log.read_text()[-3000:]


def wait_for_log(log: Path, text: str) -> None:
    """Until the crawler has logged `text` (a bounded wait, not an assertion about time)."""
    for _ in range(int(WAIT_S / POLL_S)):
        if text in log.read_text(errors="replace"):
            return
        time.sleep(POLL_S)
    raise AssertionError(f"{text!r} never logged: {log.read_text()[-3000:]}")


def runs(engine: Engine) -> list[CrawlRun]:
    with Session(engine) as session:
        query = select(CrawlRun).join(Source).where(Source.slug == SLUG).order_by(CrawlRun.id)
        return list(session.scalars(query))


def http_state(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return dict(session.scalars(select(Source.http_state).where(Source.slug == SLUG)).one())


def assert_every_entry_stored_once(engine: Engine) -> None:
    counts = row_counts(engine)
    assert (counts["documents"], counts["versions"], counts["changes"]) == (ENTRIES,) * 3


@pytest.fixture
def held_crawl(db_url: str, tmp_path: Path) -> Iterator[tuple[HoldingFeedServer, Any]]:
    """A crawl under way, its page requests held after PAGES_BEFORE_STOP."""
    with HoldingFeedServer(hold_after=PAGES_BEFORE_STOP) as server:
        process = start_crawl(db_url, f"{server.base}/feed.atom", tmp_path / "crawl.log")
        try:
            assert server.holding.wait(WAIT_S), (tmp_path / "crawl.log").read_text()[-3000:]
            yield server, process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(WAIT_S)


def test_sigterm_mid_crawl_is_a_stopped_run_and_the_next_run_stores_the_rest(
    engine: Engine, db_url: str, tmp_path: Path, held_crawl: tuple[HoldingFeedServer, Any]
) -> None:
    server, process = held_crawl
    process.send_signal(signal.SIGTERM)
    wait_for_log(tmp_path / "crawl.log", "Received SIGTERM")
    server.release.set()  # the pages in flight are answered; nothing new is asked for
    assert process.wait(WAIT_S) == 0
    (stopped,) = runs(engine)
    assert (stopped.status, stopped.stats["finish_reason"]) == ("stopped", "shutdown")
    assert 0 < stopped.items_scraped < ENTRIES  # stopped midway, what was read is kept
    assert http_state(engine) == {}  # no ETag: the next run must read the feed again
    assert row_counts(engine)["documents"] == stopped.items_scraped

    crawl_to_the_end(db_url, server, tmp_path / "rerun.log")
    assert "If-None-Match" not in server.feed_requests[-1]
    assert [run.status for run in runs(engine)] == ["stopped", "ok"]
    assert_every_entry_stored_once(engine)
    assert http_state(engine)[f"{server.base}/feed.atom"]["etag"] == ETAG  # a whole run saves it


def test_sigkill_mid_crawl_leaves_an_abandoned_run_and_the_next_run_stores_everything(
    engine: Engine, db_url: str, tmp_path: Path, held_crawl: tuple[HoldingFeedServer, Any]
) -> None:
    server, process = held_crawl
    process.kill()  # SIGKILL: nothing runs after it
    process.wait(WAIT_S)
    server.release.set()
    (killed,) = runs(engine)
    assert (killed.status, killed.finished_at) == ("running", None)
    assert http_state(engine) == {}

    crawl_to_the_end(db_url, server, tmp_path / "rerun.log")
    killed, rerun = runs(engine)
    assert (killed.status, rerun.status) == ("abandoned", "ok")
    assert "ended without closing its run" in killed.errors[-1]
    assert_every_entry_stored_once(engine)


if __name__ == "__main__":
    crawl_local_feed(os.environ["FIVEWATCH_DATABASE_URL"], sys.argv[1], pages=True)
