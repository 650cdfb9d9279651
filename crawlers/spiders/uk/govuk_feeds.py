"""uk-govuk-feeds: GOV.UK organisation Atom feeds (Home Office, DSIT, Ofcom).

UNVERIFIED (verified = False): no real GOV.UK Atom body has been recorded, so this source is
live-only and has no body in the demo cassette (its URLs are declared gaps).
- Feeds: https://www.gov.uk/government/organisations/{slug}.atom (sources.md §3a, unverified).
  Entry ids use the `tag:www.gov.uk,2005:/<path>` scheme (alphagov/frontend atom builders).
  The search API reader `uk-govuk-statements` covers the same departments by query.
- Dates without a zone are UK time (Europe/London).
- Full text: the page's `.govspeak` block (GOV.UK's content markup; UNVERIFIED here).
- Licence: Open Government Licence v3.0 (GOV.UK's usual terms; not confirmed from a source).
  History: 2026-11: first version.
"""

from __future__ import annotations

from typing import ClassVar

from crawlers.spider_base.feed import FeedSpider

ORGANISATIONS = {
    "home-office": "Home Office",
    "department-for-science-innovation-and-technology": (
        "Department for Science, Innovation and Technology"
    ),
    "ofcom": "Ofcom",
}
SPONSORS = {
    f"https://www.gov.uk/government/organisations/{slug}.atom": name
    for slug, name in ORGANISATIONS.items()
}


class UkGovukFeedsSpider(FeedSpider):
    name = "uk-govuk-feeds"
    jurisdiction = "uk"
    verified = False
    allowed_domains: ClassVar[list[str]] = ["www.gov.uk"]
    feed_urls = tuple(SPONSORS)
    feed_sponsors = SPONSORS
    timezone = "Europe/London"
    body_selector = ".govspeak"
    interval_s = 3600
