"""us-exec-statements: US executive-branch releases (DOJ, FTC, White House), RSS.

UNVERIFIED (verified = False): no real DOJ, FTC or White House feed body exists, so this source
is live-only and has no body in the demo cassette (its URLs are declared gaps).
- Feeds (sources.md §6, all unverified): DOJ news https://www.justice.gov/feeds/usdoj/news.xml,
  FTC consumer-protection press releases
  https://www.ftc.gov/feeds/press-release-consumer-protection.xml, White House news
  https://www.whitehouse.gov/news/feed/. DOJ and FTC are Drupal sites: their <pubDate> may hold a
  `<time datetime=…>` element, which the feed reader handles. The parser is tested on the real
  FDA Drupal RSS (tests/fixtures/real/us-exec-statements/), the stand-in for Drupal federal RSS.
- DOJ pages may sit behind an Akamai interstitial (sources.md §6): the feed, not the pages, is
  read; no body selector.
- Dates without a zone are Washington time (America/New_York).
- Feeds are unfiltered: topic tags select what matters. Licence: US government works are public
  domain (17 U.S.C. 105). History: 2026-11: first version.
"""

from __future__ import annotations

from typing import ClassVar

from crawlers.spider_base.feed import FeedSpider

SPONSORS = {
    "https://www.justice.gov/feeds/usdoj/news.xml": "US Department of Justice",
    "https://www.ftc.gov/feeds/press-release-consumer-protection.xml": "Federal Trade Commission",
    "https://www.whitehouse.gov/news/feed/": "The White House",
}


class UsExecStatementsSpider(FeedSpider):
    name = "us-exec-statements"
    jurisdiction = "us"
    verified = False
    allowed_domains: ClassVar[list[str]] = ["www.justice.gov", "www.ftc.gov", "www.whitehouse.gov"]
    feed_urls = tuple(SPONSORS)
    feed_sponsors = SPONSORS
    timezone = "America/New_York"
    interval_s = 3600
