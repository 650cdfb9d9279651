"""au-bills and nz-bills: unverified sources with no recorded body.

Only what needs no real body is checked: registration, the unverified flag, start URLs and
parameters, allowed domains, vocabularies, and LayoutChanged naming the URL on a minimal
SYNTHETIC page that has none of the expected elements.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import scrapy
from parsel import Selector

from crawlers.errors import LayoutChanged, ParseError
from crawlers.registry import spider_classes
from crawlers.spider_base.source import SourceSpider
from crawlers.spiders.au import aph_bills as au_bills
from crawlers.spiders.au.aph_bills import AU_STAGES, AuBillsSpider, bill_url, search_bill_ids
from crawlers.spiders.nz import parliament_bills as nz_bills
from crawlers.spiders.nz.parliament_bills import (
    NZ_STAGES,
    NzBillsSpider,
    feed_bill_ids,
    stage_category,
)
from crawlers.stages import STAGES

SYNTHETIC = Path(__file__).resolve().parents[1] / "fixtures" / "synthetic"
AU_PAGE = SYNTHETIC / "au-bills__no-expected-elements.SYNTHETIC.html"
NZ_FEED = SYNTHETIC / "nz-bills__rss-without-channel.SYNTHETIC.xml"
APH = "https://www.aph.gov.au/Parliamentary_Business/Bills_Legislation/Bills_Search_Results"


def start_urls(spider: SourceSpider) -> list[str]:
    async def collect() -> list[str]:
        return [
            request.url async for request in spider.start() if isinstance(request, scrapy.Request)
        ]

    return asyncio.run(collect())


@pytest.mark.parametrize("spider", [AuBillsSpider, NzBillsSpider])
def test_registered_unverified_and_fenced(spider: type[SourceSpider]) -> None:
    assert spider in spider_classes()
    assert spider.verified is False
    assert spider.kind == "bills"
    assert getattr(spider, "allowed_domains", None)
    module = {AuBillsSpider: au_bills, NzBillsSpider: nz_bills}[spider]
    assert "unverified: no recorded body" in (module.__doc__ or "").lower()


def test_au_start_urls_carry_only_understood_parameters() -> None:
    assert AuBillsSpider.allowed_domains == ["www.aph.gov.au"]
    assert start_urls(AuBillsSpider(queries="online safety, child")) == [
        f"{APH}?q=online+safety&ps=100&page=1",
        f"{APH}?q=child&ps=100&page=1",
    ]
    assert len(start_urls(AuBillsSpider())) == 3
    assert bill_url("r7284") == f"{APH}/Result?bId=r7284"


def test_nz_start_url_and_domain() -> None:
    assert NzBillsSpider.allowed_domains == ["bills.parliament.nz"]
    assert start_urls(NzBillsSpider()) == ["https://bills.parliament.nz/rss?set=Bills"]


def test_au_page_without_expected_elements_is_layout_changed() -> None:
    url = f"{APH}?q=online+safety&ps=100&page=1"
    page = Selector(text=AU_PAGE.read_text(encoding="utf-8"))
    with pytest.raises(LayoutChanged) as caught:
        search_bill_ids(page, url)
    assert (caught.value.source, caught.value.url) == ("au-bills", url)
    with pytest.raises(LayoutChanged, match="no bill title") as titled:
        au_bills.bill_record(page, bill_url("r7284"), datetime.now(UTC))
    assert titled.value.url == bill_url("r7284")


def test_nz_feed_without_channel_is_layout_changed_and_html_bill_a_parse_error() -> None:
    url = "https://bills.parliament.nz/rss?set=Bills"
    with pytest.raises(LayoutChanged) as caught:
        feed_bill_ids(url, NZ_FEED.read_bytes())
    assert (caught.value.source, caught.value.url) == ("nz-bills", url)
    bill = "https://bills.parliament.nz/api/data/Bill/x"
    with pytest.raises(ParseError, match="not JSON") as parsed:
        nz_bills.bill_record(bill, AU_PAGE.read_bytes(), datetime.now(UTC))
    assert parsed.value.url == bill


def test_stage_vocabularies_use_common_categories() -> None:
    assert set(AU_STAGES.values()) - {""} <= set(STAGES)
    assert set(NZ_STAGES.values()) <= set(STAGES)
    codes = {code: stage_category(code) for code in ("1", "2", "SC", "COWH", "3", "RA")}
    assert codes == {
        "1": "first_reading", "2": "second_reading", "SC": "committee",
        "COWH": "committee", "3": "third_reading", "RA": "assent",
    }  # fmt: skip
