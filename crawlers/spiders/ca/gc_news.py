"""ca-gc-news: Government of Canada news (Canada News Centre), Atom, English and French.

- Endpoint: https://api.io.canada.ca/io-server/gc/news/{en|fr}/v2 with `sort=publishedDate`,
  `orderBy=desc`, `pick=N`, `format=atom` (sources.md §3; the endpoint is UNVERIFIED, no body of
  it was ever saved). Department filter: `dept=publicsafetycanada` was seen in public code; the
  slugs of Justice Canada and Canadian Heritage were not found and are NOT guessed: their
  releases come from the all-departments feeds and are told apart by `author/name`.
- Recorded: the real 2018 canada.ca web-feed for Manitoba, the same Atom entry shape (id =
  article URL, title, HTML summary, author/name = department, updated with offset), replayed for
  the English all-departments URL with `recorded_url` = the web-feed (cassette PROVENANCE).
- English and French are separate feeds; nothing in an entry names its twin. The two editions
  are linked by `models.document_links` (same source, same publication instant, other language).
- Dates without a zone are Ottawa time (America/Toronto).
- Full text: the release page's `main` (UNVERIFIED; pages never recorded: declared gaps).
- Auth none; no published rate limit; licence: Open Government Licence – Canada (not confirmed
  from a source). History: 2026-11: first version.
"""

from __future__ import annotations

from typing import ClassVar

from crawlers.spider_base.feed import FeedSpider
from crawlers.spider_base.feed_entries import Publisher

API = "https://api.io.canada.ca/io-server/gc/news/{language}/v2"
QUERY = "sort=publishedDate&orderBy=desc&pick=100&format=atom"
FEEDS = tuple(
    f"{API.format(language=language)}?{department}{QUERY}"
    for language in ("en", "fr")
    for department in ("", "dept=publicsafetycanada&")
)


def feed_language(url: str) -> str:
    return "fr" if "/gc/news/fr/" in url else "en"


class CaGcNewsSpider(FeedSpider):
    name = "ca-gc-news"
    jurisdiction = "ca"
    allowed_domains: ClassVar[list[str]] = ["api.io.canada.ca", "www.canada.ca"]
    feed_urls = FEEDS
    timezone = "America/Toronto"
    sponsor = "Government of Canada"
    body_selector = "main"
    interval_s = 3600

    def publisher(self, feed_url: str) -> Publisher:
        publisher = super().publisher(feed_url)
        return Publisher(
            publisher.source,
            publisher.jurisdiction,
            feed_language(feed_url),
            publisher.timezone,
            publisher.sponsor,
        )
