"""One bad feed entry costs only itself (issue #15 items 2 and 12), through the real engine.

Every feed here is SYNTHETIC (tests/crawlers/synthetic_feed.py): good entries whose release
pages are served, with one entry of each hostile kind in the middle. Each hostile entry is kept
(without its page or without its date), counted and named in a WARNING; its neighbours are all
stored with their pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawlers.errors import ERROR_LINES_STAT, error_count
from crawlers.middlewares.spider_errors import ReportedUrlLengthMiddleware
from crawlers.settings import DOWNLOAD_MAXSIZE, RETRY_AFTER_MAX, URLLENGTH_LIMIT
from crawlers.spider_base import feed_entries
from crawlers.spider_base.feed_entries import entry_moment, link_problem, parse_date, read_feed
from crawlers.spiders.ca.gc_news import CaGcNewsSpider
from models import Document, Source
from models.records import DocumentRecord
from tests.crawlers.replay_crawl import crawl, edit_index, last_run
from tests.crawlers.synthetic_feed import (
    FEED_URL,
    PAGE_ROOT,
    SLUG,
    Entry,
    build_cassette,
    feed_body,
)

TORONTO = ZoneInfo("America/Toronto")

# SYNTHETIC hostile links: no page can be requested for any of them.
BAD_LINKS = {
    "javascript": "javascript:alert(document.domain)",
    "data": "data:text/html,<script>alert(1)</script>",
    "ipv6": "http://[::1/x",
    "too long": f"{PAGE_ROOT}/{'a' * URLLENGTH_LIMIT}.html",
}
# SYNTHETIC dates datetime cannot hold: past year 9999 in UTC, and year 0.
BAD_DATES = {"overflow": "9999-12-31T23:59:59-05:00", "year zero": "0000-01-01T00:00:00Z"}


def hostile_feed() -> tuple[list[Entry], dict[str, Entry]]:
    bad = [Entry(100 + n, link=link) for n, link in enumerate(BAD_LINKS.values())]
    bad += [Entry(200 + n, updated=date) for n, date in enumerate(BAD_DATES.values())]
    good = [Entry(n) for n in range(10)]
    entries = [*good[:5], *bad, *good[5:]]  # the bad ones in the middle
    return entries, {entry.entry_id: entry for entry in bad}


def stored(engine: Engine) -> dict[str, Document]:
    with Session(engine) as session:
        query = select(Document).join(Source).where(Source.slug == SLUG)
        return {doc.extra["entry_id"]: doc for doc in session.scalars(query)}


def test_every_entry_is_kept_when_one_of_each_bad_kind_sits_in_the_middle(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    entries, bad = hostile_feed()
    log = crawl(db_url, build_cassette(tmp_path / SLUG, entries), SLUG)
    documents = stored(engine)
    assert set(documents) == {entry.entry_id for entry in entries}
    for entry in entries:
        document = documents[entry.entry_id]
        has_page = not entry.link  # the good ones and the bad dates link to served pages
        expected = f"Full text of synthetic release {entry.number}."
        assert (document.body_text == expected) == has_page, entry
    run = last_run(engine, SLUG)
    assert run.stats["feed/page_not_requested"] == len(BAD_LINKS)
    assert run.stats["feed/date_unreadable"] == len(BAD_DATES)
    assert (run.status, run.error_count) == ("ok", 0)  # each entry kept: warnings, not errors
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    for entry in bad.values():
        assert any(SLUG in line and entry.entry_id in line for line in warnings), entry
    assert len(run.stats["source/warning_lines"]) == len(bad)


def test_a_too_long_link_is_a_named_warning_never_a_silent_info(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    long_link = Entry(1, link=BAD_LINKS["too long"])
    log = crawl(db_url, build_cassette(tmp_path / SLUG, [Entry(0), long_link]), SLUG)
    assert stored(engine)[long_link.entry_id].body_text == "Summary of synthetic release 1."
    (line,) = [
        line for line in log.splitlines() if long_link.entry_id in line and "WARNING" in line
    ]
    assert f"[crawlers.{SLUG}] WARNING: {SLUG} " in line
    assert f"URLLENGTH_LIMIT {URLLENGTH_LIMIT}" in line
    assert "urllength/request_ignored_count" not in last_run(engine, SLUG).stats


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        (f"{PAGE_ROOT}/release-1.html", ""),
        (BAD_LINKS["javascript"], "a javascript link, not http(s)"),
        (BAD_LINKS["data"], "a data link, not http(s)"),
        (BAD_LINKS["ipv6"], "malformed link: Invalid IPv6 URL"),
        ("/en/news/release.html", "a relative link, not http(s)"),
        ("https:///no-host", "a link without a host"),
        # SYNTHETIC: a right-to-left override hidden in the path
        ("https://www.canada.ca/en/\u202enews.html", "control or invisible characters"),
        (BAD_LINKS["too long"], f"over URLLENGTH_LIMIT {URLLENGTH_LIMIT}"),
    ],
)
def test_link_problem_says_why_no_page_can_be_requested(link: str, problem: str) -> None:
    found = link_problem(link, URLLENGTH_LIMIT)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize("raw", [*BAD_DATES.values(), "Fri, 31 Dec 9999 23:59:59 -0500"])
def test_dates_out_of_range_are_unreadable_not_a_crash(raw: str) -> None:
    entry = read_feed(feed_body([Entry(1, updated=raw)]), {}).entries[0]
    assert entry_moment(entry, TORONTO) is None
    assert parse_date(raw, TORONTO) is None


def test_a_date_in_range_in_utc_but_not_where_the_government_is_is_unreadable() -> None:
    # SYNTHETIC: 9999-12-31 23:00 UTC is already year 10000 in Auckland.
    assert parse_date("9999-12-31T23:00:00Z", ZoneInfo("Pacific/Auckland")) is None
    assert parse_date("9999-12-31T23:00:00Z", TORONTO) is not None


def feed_spider() -> CaGcNewsSpider:
    crawler = get_crawler(CaGcNewsSpider)
    crawler.spider = spider = CaGcNewsSpider.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return spider


def test_an_entry_that_cannot_be_read_is_an_error_naming_it_and_the_next_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spider = feed_spider()
    real = feed_entries.entry_record

    def failing_third(entry: Any, *args: Any, **kwargs: Any) -> DocumentRecord:
        if entry["id"].endswith(":3"):  # SYNTHETIC: a fault nobody foresaw, in one entry
            raise RuntimeError("SYNTHETIC fault")
        return real(entry, *args, **kwargs)

    monkeypatch.setattr("crawlers.spider_base.feed.entry_record", failing_third)
    body = feed_body([Entry(n) for n in range(6)])
    headers = {"Content-Type": "application/atom+xml"}
    response = TextResponse(FEED_URL, body=body, headers=headers, request=Request(FEED_URL))
    requests = [output for output in spider.parse_feed(response) if isinstance(output, Request)]
    assert [request.cb_kwargs["record"].title for request in requests] == [
        f"SYNTHETIC release {n}" for n in (0, 1, 2, 4, 5)
    ]
    (line,) = spider.crawler.stats.get_value(ERROR_LINES_STAT)
    assert "urn:synthetic:ca-gc-news:3 not read: RuntimeError: SYNTHETIC fault" in line
    assert error_count(spider.crawler) == 1


def test_any_spider_link_over_the_limit_is_a_reported_error_not_an_info_line() -> None:
    spider = feed_spider()
    middleware = ReportedUrlLengthMiddleware.from_crawler(spider.crawler)
    page = TextResponse(FEED_URL, body=b"")
    short = Request(f"{PAGE_ROOT}/release-1.html")
    assert middleware.get_processed_request(short, page) is short
    assert middleware.get_processed_request(Request(BAD_LINKS["too long"]), page) is None
    (line,) = spider.crawler.stats.get_value(ERROR_LINES_STAT)
    assert f"{SLUG} {PAGE_ROOT}/aaa" in line
    assert f"over URLLENGTH_LIMIT {URLLENGTH_LIMIT}: not requested (linked from {FEED_URL})" in line


def serve_feed_as(cassette: Path, **changes: Any) -> None:
    """The cassette's feed line with `changes` (status, headers)."""
    edit_index(
        cassette,
        lambda lines: [{**line, **changes} if line["url"] == FEED_URL else line for line in lines],
    )


def test_a_retry_after_of_years_stops_the_source_instead_of_sleeping(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = build_cassette(tmp_path / SLUG, [Entry(0)])
    # SYNTHETIC: the feed answers 429 asking for a wait of 31 years.
    serve_feed_as(cassette, status=429, headers={"Retry-After": "999999999"})
    crawl(db_url, cassette, SLUG)  # before: slept RETRY_AFTER_MAX (300 s) per retry
    run = last_run(engine, SLUG)
    assert (run.status, run.error_count) == ("failed", 1)
    (line,) = run.errors
    assert f"{SLUG} {FEED_URL}: Retry-After '999999999' asks for 999999999 s" in line
    assert f"over RETRY_AFTER_MAX {RETRY_AFTER_MAX} s: source stopped for this run" in line


def test_a_replayed_body_over_download_maxsize_is_refused_naming_the_file(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = build_cassette(tmp_path / SLUG, [Entry(0)])
    body = cassette / "bodies/feed.SYNTHETIC.atom"
    with body.open("r+b") as oversized:  # SYNTHETIC: a sparse file one byte over the limit
        oversized.truncate(DOWNLOAD_MAXSIZE + 1)
    crawl(db_url, cassette, SLUG)
    run = last_run(engine, SLUG)
    assert (run.status, run.error_count) == ("failed", 1)
    (line,) = run.errors
    assert f"{SLUG} {FEED_URL}: replayed body {body} is {DOWNLOAD_MAXSIZE + 1} bytes" in line
    assert f"over DOWNLOAD_MAXSIZE {DOWNLOAD_MAXSIZE}" in line
