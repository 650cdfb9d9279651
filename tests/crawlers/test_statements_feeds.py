"""The feed spiders' callbacks on the real recorded bodies, each under the URL the spider asks.

City Scrapers style: a Scrapy response built from the real body, the spider's callback called
once, one small assert per field. The engine runs are in test_statements_engine.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from crawlers.errors import LayoutChanged, ParseError
from crawlers.middlewares.replay import ReplayGap
from crawlers.spider_base.feed import conditional_headers, parse_http_state
from crawlers.spider_base.feed_links import StatementLinksPipeline
from crawlers.spiders.au.media_releases import AuMediaReleasesSpider
from crawlers.spiders.ca.gc_news import FEEDS, CaGcNewsSpider
from crawlers.spiders.nz.beehive import NzBeehiveSpider
from crawlers.spiders.uk.govuk_feeds import UkGovukFeedsSpider
from crawlers.spiders.uk.written_statements import (
    UkWrittenStatementsSpider,
    first_day,
    list_url,
    statement_url,
)
from crawlers.spiders.us.exec_statements import UsExecStatementsSpider
from crawlers.storage import source_row
from models import Source
from models.records import DocumentRecord
from tests.crawlers.test_feed_base import BEEHIVE, CANADA, FDA

FDA_URL = "http://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/drug-recalls/rss.xml"
BEEHIVE_URL = "https://www.beehive.govt.nz/rss.xml"
RELEASE = "https://www.beehive.govt.nz/release/flood-resilience-projects-completed-pace"


def make_spider(cls, **kwargs):
    crawler = get_crawler(cls)
    return cls.from_crawler(crawler, **kwargs)


def response(url: str, body: bytes, status: int = 200, **headers: str) -> TextResponse:
    return TextResponse(
        url, body=body, status=status, headers=headers, request=Request(url), encoding="utf-8"
    )


def run(spider, url: str, body: bytes, **headers: str) -> list:
    return list(spider.parse_feed(response(url, body, **headers)))


def start_requests(spider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_canada_items_from_the_real_feed() -> None:
    spider = make_spider(CaGcNewsSpider)
    out = run(spider, FEEDS[0], CANADA)
    # Summary-only entries: each asks for its release page (declared gaps in the cassette).
    assert len(out) == 44
    assert all(isinstance(request, Request) for request in out)
    record = out[0].cb_kwargs["record"]
    assert record.title.startswith("Government of Canada recognizes Eagle Urban Transition")
    assert record.url == out[0].url
    assert record.language == "en"
    assert record.sponsor == "Indigenous Services Canada"
    assert record.source_updated_at == datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)
    assert record.source_url == FEEDS[0]


def test_canada_french_feed_is_french() -> None:
    spider = make_spider(CaGcNewsSpider)
    fr_feed = next(url for url in FEEDS if "/news/fr/" in url)
    record = run(spider, fr_feed, CANADA)[0].cb_kwargs["record"]
    assert record.language == "fr"


def test_release_page_gap_keeps_the_summary_and_logs_at_info(caplog) -> None:
    """A declared gap is expected (counted in stats): INFO, not a warning per page."""
    caplog.set_level(logging.INFO)
    spider = make_spider(CaGcNewsSpider)
    request = run(spider, FEEDS[0], CANADA)[0]
    failure = Failure(ReplayGap("release page never recorded"))
    failure.request = request  # type: ignore[attr-defined]
    (record,) = list(spider.page_failed(failure))
    assert record.body_text.startswith("Working in partnership with First Nations")
    [logged] = [r for r in caplog.records if "release page not read" in r.getMessage()]
    assert logged.levelno == logging.INFO
    assert spider.crawler.stats.get_value("feed/page_failed") == 1
    assert not spider.crawler.stats.get_value("source/errors")  # a gap is no error


def test_release_page_body_replaces_the_summary() -> None:
    spider = make_spider(CaGcNewsSpider)
    request = run(spider, FEEDS[0], CANADA)[0]
    # DERIVED page: the real entry's summary inside a <main>, with a script to be dropped.
    page = f"<html><main><p>{request.cb_kwargs['record'].summary}</p><script>x()</script></main>"
    record = spider.parse_page(response(request.url, page.encode()), **request.cb_kwargs)
    assert record.body_html.startswith("<p>Working in partnership")
    assert "script" not in record.body_html


def test_us_exec_reader_on_the_real_drupal_rss() -> None:
    spider = make_spider(UsExecStatementsSpider)
    (record,) = run(spider, FDA_URL, FDA)
    assert isinstance(record, DocumentRecord)
    assert record.source == "us-exec-statements"
    assert record.external_id.startswith("http://www.fda.gov/safety/recalls-market-withdrawals")
    assert record.source_updated_at == datetime(2019, 5, 3, 19, 21, 28, tzinfo=UTC)
    assert record.published_on == date(2019, 5, 3)
    assert record.sponsor == "FDA"  # dc:creator wins over the per-feed default
    assert record.language == "en"


def test_beehive_truncated_feed_keeps_its_item_and_warns(caplog) -> None:
    spider = make_spider(NzBeehiveSpider)
    (request,) = run(spider, BEEHIVE_URL, BEEHIVE)
    assert request.url == RELEASE
    record = request.cb_kwargs["record"]
    assert record.title == "Flood resilience projects completed at pace"
    assert record.sponsor == "New Zealand Government"
    assert "nz-beehive" in caplog.text
    assert BEEHIVE_URL in caplog.text
    assert "unclosed CDATA" in caplog.text
    assert spider.crawler.stats.get_value("feed/bozo") == 1


def test_html_page_as_feed_names_source_url_and_cause() -> None:
    spider = make_spider(NzBeehiveSpider)
    page = b"<!DOCTYPE html><html><body>" + BEEHIVE + b"</body></html>"
    with pytest.raises(LayoutChanged) as caught:
        run(spider, BEEHIVE_URL, page)
    assert "nz-beehive" in str(caught.value)
    assert BEEHIVE_URL in str(caught.value)
    assert "HTML page" in str(caught.value)


def test_feed_truncated_before_any_entry_is_a_parse_error() -> None:
    spider = make_spider(CaGcNewsSpider)
    with pytest.raises(ParseError) as caught:
        run(spider, FEEDS[0], CANADA[:700])
    assert "ca-gc-news" in str(caught.value)
    assert FEEDS[0] in str(caught.value)


def test_not_modified_is_unchanged_not_an_error() -> None:
    spider = make_spider(NzBeehiveSpider, http_state={BEEHIVE_URL: {"etag": "e", "entries": "1"}})
    assert run(spider, BEEHIVE_URL, b"", status=304) == []
    assert spider.crawler.stats.get_value("feed/not_modified") == 1
    assert spider.crawler.stats.get_value("source/entries_seen") == 1  # still lists its entry
    assert not spider.crawler.stats.get_value("source/errors")


def test_validators_of_an_answered_feed_are_collected() -> None:
    spider = make_spider(UsExecStatementsSpider)
    run(spider, FDA_URL, FDA, ETag='"abc"', **{"Last-Modified": "Fri, 03 May 2019 19:21:28 GMT"})
    assert spider.new_http_state[FDA_URL] == {
        "etag": '"abc"',
        "last_modified": "Fri, 03 May 2019 19:21:28 GMT",
        "entries": "1",
    }


def test_start_sends_conditional_headers_from_http_state() -> None:
    state = {BEEHIVE_URL: {"etag": '"v1"', "last_modified": "Sat, 01 Nov 2025 00:00:00 GMT"}}
    spider = make_spider(NzBeehiveSpider, http_state=state)
    (request,) = start_requests(spider)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Sat, 01 Nov 2025 00:00:00 GMT"
    assert make_spider(NzBeehiveSpider, http_state='{"x": {}}').http_state == {"x": {}}


def test_conditional_header_helpers() -> None:
    assert conditional_headers({}) == {}
    assert conditional_headers({"etag": "e"}) == {"If-None-Match": "e"}
    assert parse_http_state(None) == {}


@pytest.mark.parametrize(
    ("cls", "count"),
    [
        (UkGovukFeedsSpider, 3),
        (UsExecStatementsSpider, 3),
        (AuMediaReleasesSpider, 4),
        (CaGcNewsSpider, 4),
        (NzBeehiveSpider, 1),
    ],
)
def test_every_feed_url_is_requested_inside_allowed_domains(cls, count: int) -> None:
    requests = start_requests(make_spider(cls))
    assert len(requests) == count
    for request in requests:
        host = request.url.split("/")[2]
        assert host in cls.allowed_domains


def test_unverified_sources_say_so() -> None:
    assert not UkGovukFeedsSpider.verified
    assert not UsExecStatementsSpider.verified
    assert not AuMediaReleasesSpider.verified


def test_written_statements_urls_and_window() -> None:
    # No real response of this API exists: only what does not need one is tested here.
    assert list_url(None) == (
        "https://questions-statements-api.parliament.uk/api/writtenstatements/statements"
        "?skip=0&take=100&expandMember=true"
    )
    assert "madeWhenFrom=2026-11-20&skip=100&" in list_url(date(2026, 11, 20), 100)
    assert statement_url(1234).endswith("/statements/1234?expandMember=true")
    assert first_day(None) is None
    # 00:30 UTC on 24 Jul is 01:30 in London (BST): the watermark day is the 24th, minus 3.
    assert first_day(datetime(2026, 7, 24, 0, 30, tzinfo=UTC)) == date(2026, 7, 21)


def test_written_statements_spider_reports_bodies_it_cannot_read() -> None:
    spider = make_spider(UkWrittenStatementsSpider)
    url = list_url(None)
    with pytest.raises(ParseError, match="not JSON"):
        spider.body(response(url, BEEHIVE), "results")
    with pytest.raises(LayoutChanged, match="no 'results'"):
        spider.body(response(url, b"[]"), "results")


@pytest.mark.parametrize(
    ("errors", "reason", "saved"),
    [
        (0, "finished", True),
        (1, "finished", False),
        (0, "shutdown", False),
        (0, "cancelled", False),
    ],
)
def test_validators_are_saved_only_after_a_clean_run_that_ran_to_its_end(
    engine, db_url: str, errors: int, reason: str, saved: bool
) -> None:
    crawler = get_crawler(NzBeehiveSpider, {"FIVEWATCH_DATABASE_URL": db_url})
    crawler.spider = NzBeehiveSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    with Session(engine) as session:
        source_row(session, NzBeehiveSpider)
        session.commit()
    pipeline = StatementLinksPipeline.from_crawler(crawler)
    pipeline.open_spider()
    assert crawler.spider.http_state == {}
    crawler.spider.new_http_state = {BEEHIVE_URL: {"etag": '"v2"', "entries": "1"}}
    crawler.stats.set_value("source/errors", errors)
    pipeline.spider_closed(reason)  # "shutdown": SIGTERM stopped it, the feed must come again
    with Session(engine) as session:
        source = session.scalars(select(Source).where(Source.slug == "nz-beehive")).one()
        assert (source.http_state == {BEEHIVE_URL: {"etag": '"v2"', "entries": "1"}}) is saved
