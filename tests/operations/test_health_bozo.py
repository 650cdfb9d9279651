"""A feed feedparser could read only in part (bozo: truncated, broken) is a run error: its
readable entries are kept, and the verdict shows the damage instead of a warning alone."""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy.orm import Session

from crawlers.errors import ERROR_LINES_STAT, ERRORS_STAT
from crawlers.extensions import verdict
from crawlers.spider_base.feed import FeedSpider
from fivewatch.health_policy import HealthPolicy, assess
from models import CrawlRun, utcnow
from models.records import DocumentRecord
from models.store import ensure_source
from tests.crawlers.test_feed_base import BEEHIVE

URL = "https://www.beehive.govt.nz/rss.xml"
POLICY = HealthPolicy({}, error_rate_threshold=0.2)


class OneFeedSpider(FeedSpider):
    """Beehive's feed read without its release pages: one request a run."""

    name = "test-one-feed"
    jurisdiction = "nz"
    allowed_domains: ClassVar[list[str]] = ["www.beehive.govt.nz"]
    feed_urls = (URL,)
    timezone = "Pacific/Auckland"
    sponsor = "New Zealand Government"


def read_truncated_feed() -> tuple[list[DocumentRecord], dict[str, Any]]:
    spider = OneFeedSpider.from_crawler(get_crawler(OneFeedSpider))
    page = TextResponse(URL, body=BEEHIVE, request=Request(URL), encoding="utf-8")
    records = [record for record in spider.parse_feed(page) if isinstance(record, DocumentRecord)]
    assert spider.crawler.stats is not None
    return records, spider.crawler.stats.get_stats()


def test_a_truncated_feed_keeps_its_entry_and_counts_an_error() -> None:
    records, stats = read_truncated_feed()
    assert [record.title for record in records] == ["Flood resilience projects completed at pace"]
    assert (stats[ERRORS_STAT], stats["feed/bozo"]) == (1, 1)
    [line] = stats[ERROR_LINES_STAT]
    assert line.startswith(f"ParseError: test-one-feed {URL}: feed partly unreadable")
    assert "unclosed CDATA" in line


def test_the_run_of_a_truncated_feed_is_not_healthy(session: Session) -> None:
    records, stats = read_truncated_feed()
    source = ensure_source(session, slug="test-one-feed", jurisdiction="nz", kind="statements")
    now = utcnow()
    run = CrawlRun(source=source, started_at=now, finished_at=now, requests=1)
    run.items_scraped, run.error_count = len(records), stats[ERRORS_STAT]
    run.status = verdict(run, None, may_be_empty=False).status
    source.last_run_at = now
    session.add(run)
    session.flush()
    assert run.status == "errors"  # stored, but no clean success
    health = assess(session, source, POLICY, now)
    assert health.verdict == "degraded"
    assert health.reason == "errors on 100% of requests over 1 run(s) (> 20%)"


def test_a_bozo_feed_among_many_pages_still_degrades(session: Session) -> None:
    # One error in 48 requests stays under the error-rate threshold: the feed count decides.
    source = ensure_source(session, slug="test-one-feed", jurisdiction="nz", kind="statements")
    now = utcnow()
    run = CrawlRun(source=source, started_at=now, finished_at=now, status="errors", requests=48)
    run.items_scraped, run.error_count, run.stats = 40, 1, {"feed/bozo": 1}
    source.last_run_at = now
    session.add(run)
    session.flush()
    health = assess(session, source, POLICY, now)
    assert health.verdict == "degraded"
    assert health.reason == "the latest run read 1 feed(s) only in part; entries may be missing"
