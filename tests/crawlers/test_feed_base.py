"""The pure feed reader (crawlers/spider_base/feed_entries.py) and the sanitiser, on real bodies.

Real bodies: the Canada News Centre Manitoba Atom (complete, 44 entries), the FDA Drupal RSS
(trimmed to one item by its saver; the stand-in for Drupal-generated federal RSS) and the
Beehive RSS (truncated mid-description: the real "truncated feed"). Every bad input below is
derived from one of them inside the test.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.html_text import html_text, safe_html
from crawlers.spider_base.feed_entries import (
    FeedUnreadable,
    Publisher,
    entry_id,
    entry_record,
    external_id,
    parse_date,
    read_feed,
)
from tests.conftest import ROOT

CANADA = (
    ROOT / "cassettes/ca-gc-news/bodies/"
    "canada-news-centre_manitoba_en_updated-2018-10-25_wet-boew.atom.xml"
).read_bytes()
BEEHIVE = (
    ROOT / "cassettes/nz-beehive/bodies/"
    "beehive_rss_TRUNCATED-14-lines_RECONSTRUCTED-from-rssboard-validator.xml"
).read_bytes()
FDA = (
    Path(__file__).parent.parent
    / "fixtures/real/us-exec-statements/fda-drug-recalls_rss_TRIMMED_prof18-rss-parser.xml"
).read_bytes()
XML = {"content-type": "application/atom+xml"}
TORONTO = ZoneInfo("America/Toronto")
NEW_YORK = ZoneInfo("America/New_York")
CA = Publisher("ca-gc-news", "ca", "en", TORONTO, "Government of Canada")
FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
FIRST_ID = (
    "https://www.canada.ca/en/indigenous-services-canada/news/2018/10/government-of-canada-"
    "recognizes-eagle-urban-transition-centre-in-supporting-first-nations-children-off-reserve-"
    "through-jordans-principle.html"
)


def first_record(body: bytes, publisher: Publisher = CA, headers: dict[str, str] = XML):
    feed = read_feed(body, headers)
    return entry_record(feed.entries[0], feed, publisher, source_url="u", fetched_at=FETCHED)


def test_canada_feed_reads_every_entry_without_complaint() -> None:
    feed = read_feed(CANADA, XML)
    assert len(feed.entries) == 44
    assert feed.problem == ""


def test_canada_first_entry_normalised() -> None:
    record = first_record(CANADA)
    assert record.title == (
        "Government of Canada recognizes Eagle Urban Transition Centre in supporting First "
        "Nations children off-reserve through Jordan's Principle"
    )
    assert record.url == FIRST_ID
    assert record.source_updated_at == datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)
    assert record.published_on == date(2018, 10, 19)
    assert record.sponsor == "Indigenous Services Canada"
    assert record.summary.startswith("Working in partnership with First Nations, Indigenous")
    assert record.body_text == record.summary
    assert (record.kind, record.jurisdiction, record.language) == ("statement", "ca", "en")


def test_ids_longer_than_the_column_are_hashed_and_kept_in_extra() -> None:
    record = first_record(CANADA)
    assert len(FIRST_ID) > 200
    assert record.external_id == "sha256:" + hashlib.sha256(FIRST_ID.encode()).hexdigest()
    assert record.extra["entry_id"] == FIRST_ID
    assert external_id("https://short/") == "https://short/"


def test_drupal_time_element_in_pubdate_is_read_from_its_datetime() -> None:
    record = first_record(FDA, Publisher("us-exec-statements", "us", "en", NEW_YORK))
    assert record.source_updated_at == datetime(2019, 5, 3, 19, 21, 28, tzinfo=UTC)
    assert record.published_on == date(2019, 5, 3)
    assert record.url.startswith("http://www.fda.gov/safety/recalls-market-withdrawals")
    assert record.title.startswith("Vivimed Life Sciences Pvt Ltd Issues Voluntary Nationwide")
    assert "\n" not in record.title
    assert record.sponsor == "FDA"
    assert "US Food & Drug Administration’s interim" in record.body_text
    assert "\n" not in record.summary  # source indentation is layout, not text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 19 Oct 2018 12:06:29 -0400", datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)),
        ("Fri, 19 Oct 2018 16:06:29 GMT", datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)),
        ("2018-10-19T12:06:29-04:00", datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)),
        ("2019-05-03T19:21:28Z", datetime(2019, 5, 3, 19, 21, 28, tzinfo=UTC)),
        # No zone: local to the government (Toronto is UTC-4 in October 2018).
        ("2018-10-19T12:06:29", datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)),
        ("Fri, 19 Oct 2018 12:06:29 -0000", datetime(2018, 10, 19, 16, 6, 29, tzinfo=UTC)),
        (
            '<time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time>',
            datetime(2019, 5, 3, 19, 21, 28, tzinfo=UTC),
        ),
        ("Fri, 05/03/2019 - 15:21", None),
    ],
)
def test_dates(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw, TORONTO) == expected


def test_drupal_date_with_the_time_element_removed_is_unreadable_not_guessed() -> None:
    body = FDA.replace(b'<time datetime="2019-05-03T19:21:28Z">', b"").replace(b"</time>", b"")
    record = first_record(body, Publisher("us-exec-statements", "us", "en", NEW_YORK))
    assert record.source_updated_at is None
    assert record.published_on is None


def test_rfc822_pubdate_replacing_the_drupal_element() -> None:
    body = FDA.replace(
        b'<time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time>',
        b"Fri, 03 May 2019 15:21:28 EDT",
    )
    record = first_record(body, Publisher("us-exec-statements", "us", "en", NEW_YORK))
    assert record.source_updated_at == datetime(2019, 5, 3, 19, 21, 28, tzinfo=UTC)


def test_truncated_beehive_keeps_the_readable_item_and_says_why() -> None:
    feed = read_feed(BEEHIVE, {"content-type": "application/rss+xml"})
    assert "unclosed CDATA section" in feed.problem
    record = first_record(
        BEEHIVE, Publisher("nz-beehive", "nz", "en", ZoneInfo("Pacific/Auckland"))
    )
    assert record.title == "Flood resilience projects completed at pace"
    assert (
        record.url == "https://www.beehive.govt.nz/release/flood-resilience-projects-completed-pace"
    )
    assert record.external_id == record.url


def test_canada_truncated_inside_the_first_entry_has_nothing_to_read() -> None:
    assert b"<title>Government of Canada recognizes Eagle" in CANADA[:700]  # a title, no id
    with pytest.raises(FeedUnreadable, match="no entries") as caught:
        read_feed(CANADA[:700], XML)
    assert not caught.value.layout


def test_canada_truncated_midway_keeps_the_complete_entries() -> None:
    feed = read_feed(CANADA[: len(CANADA) // 2], XML)
    assert 0 < len(feed.entries) < 44
    assert feed.problem


def test_html_page_served_as_the_feed_is_a_layout_change() -> None:
    page = b"<!DOCTYPE html>\n<html><body>" + CANADA[CANADA.index(b"<entry>") :][:2000]
    with pytest.raises(FeedUnreadable, match="HTML page") as caught:
        read_feed(page, {"content-type": "text/html"})
    assert caught.value.layout


def test_feed_without_entries_is_a_layout_change() -> None:
    emptied = CANADA[: CANADA.index(b"<entry>")] + b"</feed>"
    with pytest.raises(FeedUnreadable, match="no entries") as caught:
        read_feed(emptied, XML)
    assert caught.value.layout


def test_windows_1252_body_declared_as_such() -> None:
    body = CANADA.decode("utf-8").replace('encoding="utf-8"', 'encoding="windows-1252"')
    feed = read_feed(
        body.encode("cp1252", errors="xmlcharrefreplace"), {"content-type": "application/atom+xml"}
    )
    titles = [entry.title for entry in feed.entries]
    assert any("Manitoba’s aerospace" in title for title in titles)
    assert feed.problem == ""


def test_windows_1252_body_mislabelled_utf8_is_read_with_a_warning() -> None:
    body = CANADA.decode("utf-8").encode("cp1252", errors="xmlcharrefreplace")
    feed = read_feed(body, {"content-type": "application/atom+xml; charset=utf-8"})
    assert len(feed.entries) == 44
    assert any("Manitoba’s aerospace" in entry.title for entry in feed.entries)
    assert feed.problem


def test_utf8_body_mislabelled_latin1_by_the_server() -> None:
    feed = read_feed(CANADA, {"content-type": "application/atom+xml; charset=iso-8859-1"})
    assert len(feed.entries) == 44
    assert any("Métis Nation" in (entry.summary or "") for entry in feed.entries)


def test_entry_without_id_takes_its_link_then_a_stable_hash() -> None:
    no_guid = FDA.replace(b"<guid", b"<!--guid").replace(b"</guid>", b"guid-->")
    assert entry_id(read_feed(no_guid, XML).entries[0]).startswith("http://www.fda.gov/safety/")
    no_link = no_guid.replace(b"<link>", b"<!--link>").replace(b"</link>", b"/link-->")
    first, second = (entry_id(read_feed(no_link, XML).entries[0]) for _ in range(2))
    assert first.startswith("h:")
    assert first == second
    retitled = no_link.replace(b"Vivimed Life Sciences", b"Vivimed Life Science")
    assert entry_id(read_feed(retitled, XML).entries[0]) != first


def test_script_and_event_handlers_in_item_html_never_survive() -> None:
    hostile = (
        '&lt;p onclick="steal()"&gt;Working &lt;a href="javascript:alert(1)"&gt;in&lt;/a&gt; '
        '&lt;img src="x" onerror="steal()"&gt;&lt;script&gt;steal()&lt;/script&gt;'
    )
    body = CANADA.replace(
        b'<summary type="html">Working', f'<summary type="html">{hostile}'.encode(), 1
    )
    record = first_record(body)
    for bad in ("script", "onclick", "onerror", "javascript:", "steal"):
        assert bad not in record.body_html
    assert record.body_text.startswith("Working in")


def test_safe_html_and_text_directly() -> None:
    dirty = '<p style="x" onmouseover="y()">A<br>B</p><a href="data:text/html,z">c</a>'
    assert safe_html(dirty) == '<p>A<br>B</p><a rel="noopener noreferrer">c</a>'
    assert html_text(dirty) == "A\nB\nc"
    assert safe_html("  ") == ""


REAL_SUMMARY = first_record(CANADA).summary
HANDLER = st.from_regex(r"on[a-z]{2,12}", fullmatch=True)
TAG = st.sampled_from(["p", "a", "img", "div", "span", "svg", "iframe", "body", "math"])


@settings(max_examples=200, deadline=None)
@given(tag=TAG, handler=HANDLER, scheme=st.sampled_from(["javascript", "JaVaScRiPt", "vbscript"]))
def test_no_handler_or_script_url_survives_in_real_summary(tag: str, handler: str, scheme: str):
    summary = REAL_SUMMARY
    hostile = (
        f'<{tag} {handler}="steal()" href="{scheme}:steal()" src="{scheme}:steal()">{summary}'
        f"</{tag}><script>steal()</script>"
    )
    cleaned = safe_html(hostile)
    assert "steal" not in cleaned
    assert f"{handler}=" not in cleaned
    assert summary[:40] in html_text(hostile)
