"""Statement readers through the real Scrapy engine: replayed real bodies, a live local server.

Crawls run in a subprocess (`python -m crawlers.process`; the reactor cannot restart) against
the test database. Cassettes are the project's own; where a case needs a changed cassette, it
is built in tmp_path from the real one, and the change is stated next to it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.spiders.ca.gc_news import FEEDS
from models import Document, Source
from models.document_links import TRANSLATION, linked
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_index,
    last_run,
    row_counts,
    stored_documents,
)
from tests.crawlers.test_feed_base import CANADA

BEEHIVE_URL = "https://www.beehive.govt.nz/rss.xml"


def documents(engine: Engine, slug: str) -> list[Document]:
    with Session(engine) as session:
        query = select(Document).join(Source).where(Source.slug == slug).order_by(Document.id)
        return list(session.scalars(query))


def serve_body(cassette: Path, url: str, body: bytes, name: str) -> None:
    """Turn the index line of `url` (a gap or a body) into a 200 with `body`."""
    (cassette / "bodies" / name).write_bytes(body)
    served = {
        "method": "GET",
        "url": url,
        "status": 200,
        "headers": {},
        "body": f"bodies/{name}",
        "recorded_at": "2018-10-29T00:00:00Z",
    }
    edit_index(cassette, lambda lines: [*(line for line in lines if line["url"] != url), served])


def test_canada_items_through_the_engine(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES / "ca-gc-news", "ca-gc-news")
    stored = documents(engine, "ca-gc-news")
    assert len(stored) == 44
    first = next(
        doc for doc in stored if doc.title.startswith("Government of Canada recognizes Eagle")
    )
    assert first.extra["entry_id"] == first.url
    assert first.url.startswith("https://www.canada.ca/en/indigenous-services-canada/news/2018/10/")
    assert first.language == "en"
    assert first.published_on.isoformat() == "2018-10-19"
    assert first.source_updated_at.isoformat() == "2018-10-19T16:06:29+00:00"
    assert first.body_text.startswith("Working in partnership with First Nations")
    assert first.sponsor == "Indigenous Services Canada"
    assert first.kind == "statement"
    run = last_run(engine, "ca-gc-news")
    assert run.error_count == 0
    assert run.replay_misses == 0


def test_beehive_truncated_feed_through_the_engine(engine: Engine, db_url: str) -> None:
    log = crawl(db_url, CASSETTES / "nz-beehive", "nz-beehive")
    (item,) = documents(engine, "nz-beehive")
    assert (
        item.external_id
        == "https://www.beehive.govt.nz/release/flood-resilience-projects-completed-pace"
    )
    assert item.title == "Flood resilience projects completed at pace"
    assert item.url == item.external_id
    assert item.language == "en"
    assert item.body_text == ""  # cut off inside the description: nothing invented
    assert "unclosed CDATA" in log
    # A cut-off feed may hide entries: a run error naming the feed, its readable entry kept.
    run = last_run(engine, "nz-beehive")
    assert run.error_count == 1
    (error,) = run.errors
    assert "https://www.beehive.govt.nz/rss.xml" in error
    assert "partly unreadable" in error
    assert run.stats["feed/bozo"] == 1  # kept on the run: models.health judges by it


@pytest.mark.parametrize(
    "slug", ["uk-govuk-feeds", "us-exec-statements", "au-media-releases", "uk-written-statements"]
)
def test_live_only_sources_replay_to_declared_gaps(engine: Engine, db_url: str, slug: str) -> None:
    crawl(db_url, CASSETTES / slug, slug)
    assert documents(engine, slug) == []
    run = last_run(engine, slug)
    assert run.replay_misses == 0
    assert run.error_count == 0


def test_second_replay_adds_nothing(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES / "ca-gc-news", "ca-gc-news")
    before = row_counts(engine)
    crawl(db_url, CASSETTES / "ca-gc-news", "ca-gc-news")
    assert row_counts(engine) == before


def test_english_and_french_items_of_one_release_are_linked(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, "ca-gc-news")
    # DERIVED, not recorded: the French feed as the real English one with French article URLs
    # (canada.ca publishes both editions at the same instant; the pair was never saved).
    french = CANADA.replace(b"https://www.canada.ca/en/", b"https://www.canada.ca/fr/")
    serve_body(cassette, next(url for url in FEEDS if "/news/fr/" in url), french, "DERIVED-fr.xml")
    crawl(db_url, cassette, "ca-gc-news")
    stored = documents(engine, "ca-gc-news")
    english = next(doc for doc in stored if doc.language == "en" and "Eagle Urban" in doc.title)
    with Session(engine) as session:
        (partner,) = linked(session, session.get(Document, english.id), TRANSLATION)
        assert partner.language == "fr"
        assert partner.url == english.url.replace("/en/", "/fr/")


def test_html_page_as_feed_is_an_error_and_keeps_what_is_stored(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    crawl(db_url, CASSETTES / "ca-gc-news", "ca-gc-news")
    before = row_counts(engine), stored_documents(engine)
    cassette = copy_cassette(tmp_path, "ca-gc-news")
    # DERIVED: an HTML page (the real body wrapped in a document) where the feed should be.
    page = b"<!DOCTYPE html><html><body>" + CANADA + b"</body></html>"
    serve_body(cassette, FEEDS[0], page, "DERIVED-page.html")
    crawl(db_url, cassette, "ca-gc-news")
    run = last_run(engine, "ca-gc-news")
    assert run.error_count >= 1
    assert any("ca-gc-news" in e and FEEDS[0] in e and "HTML page" in e for e in run.errors)
    assert (row_counts(engine), stored_documents(engine)) == before


class FeedServer(BaseHTTPRequestHandler):
    """The real Canada body with validators; a matching conditional request gets a 304."""

    etag = '"manitoba-2018-10-25"'
    last_modified = "Thu, 25 Oct 2018 12:50:38 GMT"
    received: list[dict[str, str]] = []  # noqa: RUF012 (one server per test)

    def do_GET(self) -> None:
        if self.path != "/feed.atom":  # robots.txt
            self.send_response(404)
            self.end_headers()
            return
        type(self).received.append(dict(self.headers.items()))
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("ETag", self.etag)
        self.send_header("Last-Modified", self.last_modified)
        self.send_header("Content-Length", str(len(CANADA)))
        self.end_headers()
        self.wfile.write(CANADA)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[str]:
    FeedServer.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.atom"
    server.shutdown()
    server.server_close()


def test_unchanged_feed_answers_304_and_stores_nothing_new(
    engine: Engine, db_url: str, feed_server: str
) -> None:
    crawl_local(db_url, feed_server)
    first = row_counts(engine)
    assert first["documents"] == 44
    with Session(engine) as session:
        source = session.scalars(select(Source).where(Source.slug == "ca-gc-news")).one()
        assert source.http_state[feed_server]["etag"] == FeedServer.etag
    received = len(FeedServer.received)
    crawl_local(db_url, feed_server)
    (second,) = FeedServer.received[received:]
    assert second["If-None-Match"] == FeedServer.etag
    assert second["If-Modified-Since"] == FeedServer.last_modified
    assert row_counts(engine) == first
    run = last_run(engine, "ca-gc-news")
    assert (run.error_count, run.status) == (0, "ok")  # unchanged, not an "empty" source
    assert run.stats["source/entries_seen"] == 44


def crawl_local(db_url: str, feed_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawlers.test_statements_engine", db_url, feed_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def crawl_local_feed(database_url: str, feed_url: str, *, pages: bool = False) -> None:
    """The real ca-gc-news spider, its feed moved to the local server (run in a subprocess);
    `pages`: the server serves the release pages too, so the spider asks for them."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.process import crawl_settings
    from crawlers.spiders.ca.gc_news import CaGcNewsSpider

    class LocalFeedSpider(CaGcNewsSpider):
        feed_urls = (feed_url,)
        allowed_domains = ["127.0.0.1"]  # noqa: RUF012
        body_selector = CaGcNewsSpider.body_selector if pages else ""

    settings = crawl_settings(database_url, None, None)
    settings.set("AUTOTHROTTLE_ENABLED", False)
    settings.set("DOWNLOAD_DELAY", 0)
    process = CrawlerProcess(settings)
    process.crawl(LocalFeedSpider)
    process.start()


if __name__ == "__main__":
    crawl_local_feed(sys.argv[1], sys.argv[2])
