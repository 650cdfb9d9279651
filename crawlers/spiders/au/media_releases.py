"""au-media-releases: Australian ministers' and the eSafety Commissioner's media releases, RSS.

UNVERIFIED (verified = False): no Australian media-release feed body was found and no feed URL
could be confirmed (sources.md §5). The URLs below follow the sites' Drupal feed convention and
MUST be confirmed by a live check (`fivewatch crawl --record`) before this source is trusted;
until then it is live-only and has no body in the demo cassette (its URLs are declared gaps).
- Communications minister: https://minister.infrastructure.gov.au (HTML listings exist, e.g.
  /taxonomy/term/7); Attorney-General: https://ministers.ag.gov.au; Home Affairs:
  https://minister.homeaffairs.gov.au; eSafety newsroom: https://www.esafety.gov.au/newsroom.
- Dates without a zone are Canberra time (Australia/Sydney's zone; zoneinfo has
  Australia/Canberra as its alias).
- Licence: the Communications minister's site stated CC BY-NC 3.0 AU for its own material.
  History: 2026-11: first version.
"""

from __future__ import annotations

from typing import ClassVar

from crawlers.spider_base.feed import FeedSpider

SPONSORS = {
    "https://minister.infrastructure.gov.au/rss.xml": "Minister for Communications",
    "https://ministers.ag.gov.au/rss.xml": "Attorney-General",
    "https://minister.homeaffairs.gov.au/rss.xml": "Minister for Home Affairs",
    "https://www.esafety.gov.au/rss.xml": "eSafety Commissioner",
}


class AuMediaReleasesSpider(FeedSpider):
    name = "au-media-releases"
    jurisdiction = "au"
    verified = False
    allowed_domains: ClassVar[list[str]] = [
        "minister.infrastructure.gov.au",
        "ministers.ag.gov.au",
        "minister.homeaffairs.gov.au",
        "www.esafety.gov.au",
    ]
    feed_urls = tuple(SPONSORS)
    feed_sponsors = SPONSORS
    timezone = "Australia/Canberra"
    interval_s = 3600
