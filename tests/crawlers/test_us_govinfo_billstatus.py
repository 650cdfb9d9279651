# ruff: noqa: E501  (action texts are quoted verbatim from the recorded bodies)
"""us-govinfo-billstatus: the BILLSTATUS XML parser (3.0.0 and legacy) and the sitemap walk, on
the real GPO sample files and the real sitemap index; bad input derived from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.errors import LayoutChanged
from crawlers.spiders.us.bill_mapping import BillId, bill_record
from crawlers.spiders.us.billstatus_xml import (
    INDEX_URL,
    billstatus_url,
    changed_since,
    parse_billstatus,
    sitemap_entries,
)
from crawlers.spiders.us.govinfo_billstatus import UsGovinfoBillstatusSpider
from tests.crawlers.test_us_congress_bills import event_rows

BODIES = Path(__file__).resolve().parents[2] / "cassettes" / "us-govinfo-billstatus" / "bodies"
SLUG = "us-govinfo-billstatus"
FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
INDEX = "BILLSTATUS_sitemapindex_Kourpa-cache_2025-02.xml"


def body(name: str) -> bytes:
    return (BODIES / name).read_bytes()


def record(raw: bytes) -> Any:
    return bill_record(
        parse_billstatus(raw),
        source=SLUG,
        source_url="https://www.govinfo.gov/x",
        fetched_at=FETCHED,
    )


@pytest.fixture(
    scope="module",
    params=[
        "v3_BILLSTATUS-117hr6658.xml",
        "v3_BILLSTATUS-117s35.xml",
        "v3_BILLSTATUS-117sconres7.xml",
        "legacy_BILLSTATUS-114s1300.xml",
    ],
)
def any_bill(request: pytest.FixtureRequest) -> Any:
    return record(body(request.param))


EXPECTED = {  # file: (reference, title, sponsor, introduced, updated (UTC), current stage, category)
    "v3_BILLSTATUS-117hr6658.xml": (
        "H.R. 6658",
        "Protecting Family and Small Business Tax Cuts Act of 2022",
        "Rep. Davis, Rodney [R-IL-13]",
        date(2022, 2, 9),
        datetime(2022, 11, 17, 8, 15, 24),
        "Referred to the House Committee on Ways and Means.",
        "committee",
    ),
    "v3_BILLSTATUS-117s35.xml": (
        "S. 35",
        "Officer Eugene Goodman Congressional Gold Medal Act",
        "Sen. Van Hollen, Chris [D-MD]",
        date(2021, 1, 22),
        datetime(2022, 9, 7, 13, 36, 3),
        "Held at the desk.",
        "other_chamber",
    ),
    "v3_BILLSTATUS-117sconres7.xml": (
        "S.Con.Res. 7",
        "A concurrent resolution recognizing the heroism of the United States "
        "Capitol personnel and journalists during the insurrectionist attack on the United States "
        "Capitol on January 6, 2021.",
        "Sen. Klobuchar, Amy [D-MN]",
        date(2021, 3, 1),
        datetime(2022, 9, 7, 13, 37, 56),
        "Referred to the Committee on Rules and Administration.",
        "committee",
    ),
    "legacy_BILLSTATUS-114s1300.xml": (
        "S. 1300",
        "Adoptive Family Relief Act",
        "Sen. Feinstein, Dianne [D-CA]",
        date(2015, 5, 12),
        datetime(2015, 11, 10, 13, 13, 1),
        "Became Public Law No: 114-70.",
        "assent",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_exact_fields(name: str) -> None:
    bill = record(body(name))
    reference, title, sponsor, introduced, updated, stage, category = EXPECTED[name]
    assert (bill.reference, bill.title, bill.sponsor) == (reference, title, sponsor)
    assert bill.published_on == introduced
    assert bill.source_updated_at == updated.replace(tzinfo=UTC)
    assert (bill.current_stage, bill.stage_category) == (stage, category)
    assert (bill.jurisdiction, bill.kind, bill.source) == ("us", "bill", SLUG)


def test_same_shape_as_congress_gov(any_bill: Any) -> None:
    congress, _kind, number = any_bill.external_id.split("-")
    assert any_bill.session == congress
    assert any_bill.url.startswith(f"https://www.congress.gov/bill/{congress}th-congress/")
    assert any_bill.url.endswith(f"/{number}")
    assert any_bill.events
    assert any_bill.summary
    assert "<" not in any_bill.summary


def test_hr6658_every_action() -> None:
    bill = record(body("v3_BILLSTATUS-117hr6658.xml"))
    assert event_rows(bill.events) == [
        ("2022-02-09", "House", "introduced", "Introduced in House"),
        ("2022-02-09", "House", "introduced", "Introduced in House"),
        ("2022-02-09", "House", "committee", "Referred to the House Committee on Ways and Means."),
    ]
    assert len({e.stable_key() for e in bill.events}) == 3  # the two "Introduced" differ by code
    assert bill.extra == {
        "texts": [
            {
                "title": "Introduced in House",
                "type": "",
                "date": "2022-02-09",
                "url": "https://www.govinfo.gov/content/pkg/BILLS-117hr6658ih/xml/"
                "BILLS-117hr6658ih.xml",
            }
        ],
        "policy_area": "Taxation",
    }


def test_s35_moves_to_the_house_with_washington_times() -> None:
    bill = record(body("v3_BILLSTATUS-117s35.xml"))
    assert event_rows(bill.events)[-3:] == [
        ("2021-02-16", "Senate", "", "Message on Senate action sent to the House."),
        ("2021-02-18T17:33:13", "House", "other_chamber", "Received in the House."),
        ("2021-02-18T17:34:00", "House", "other_chamber", "Held at the desk."),
    ]
    assert len(bill.events) == 10
    assert [t["title"] for t in bill.extra["texts"]] == [
        "Engrossed in Senate",
        "Introduced in Senate",
    ]
    assert bill.summary.startswith("Officer Eugene Goodman Congressional Gold Medal Act\n")


def test_legacy_s1300_law_and_history() -> None:
    bill = record(body("legacy_BILLSTATUS-114s1300.xml"))
    assert bill.status == "Public Law 114-70"
    assert bill.extra["laws"] == ["Public Law 114-70"]
    assert bill.extra["subjects"] == [
        "Adoption and foster care",
        "Immigration status and procedures",
        "User charges and fees",
        "Visas and passports",
    ]
    assert len(bill.events) == 24  # 25 items, one with empty text skipped
    assert event_rows(bill.events)[:2] == [
        ("2015-05-12", "Senate", "introduced", "Introduced in Senate"),
        ("2015-05-12", "", "", "Sponsor introductory remarks on measure. (CR S2798)"),
    ]
    assert event_rows(bill.events)[14:] == [
        (
            "2015-10-06T21:31:00",
            "House",
            "",
            "DEBATE - The House proceeded with forty minutes of debate on S. 1300.",
        ),
        (
            "2015-10-06T21:47:00",
            "House",
            "passed_both",
            "Passed/agreed to in House: On motion to suspend the rules and pass the bill Agreed to by voice vote.",
        ),
        (
            "2015-10-06T21:47:00",
            "House",
            "passed_both",
            "On motion to suspend the rules and pass the bill Agreed to by voice vote. (text: CR H6815-6816)",
        ),
        (
            "2015-10-06T21:47:00",
            "House",
            "",
            "Motion to reconsider laid on the table Agreed to without objection.",
        ),
        ("2015-10-08", "", "presented", "Presented to President."),
        ("2015-10-08", "House", "presented", "Presented to President."),
        ("2015-10-16", "", "assent", "Signed by President."),
        ("2015-10-16", "House", "assent", "Signed by President."),
        ("2015-10-16", "", "assent", "Became Public Law No: 114-70."),
        ("2015-10-16", "House", "assent", "Became Public Law No: 114-70."),
    ]


def test_legacy_twelve_hour_times_are_washington_time() -> None:
    bill = record(body("legacy_BILLSTATUS-114s1300.xml"))
    received = next(e for e in bill.events if e.description == "Received in the House.")
    assert received.occurred_at == datetime(2015, 7, 15, 16, 6, tzinfo=UTC)  # 12:06PM EDT


def test_truncated_file_is_a_syntax_error() -> None:
    raw = body("v3_BILLSTATUS-117s35.xml")
    with pytest.raises(etree.XMLSyntaxError):
        parse_billstatus(raw[: len(raw) // 3])


def test_html_where_xml_was_expected() -> None:
    page = b"<html><head><title>404</title></head><body>Not Found</body></html>"
    with pytest.raises(KeyError, match="expected <billStatus><bill>, found <html>"):
        parse_billstatus(page)


def test_layout_change_without_bill_element() -> None:
    raw = body("v3_BILLSTATUS-117hr6658.xml").replace(b"<bill>", b"<measure>", 1)
    raw = raw.replace(b"</bill>\n", b"</measure>\n", 1)
    with pytest.raises(KeyError, match="billStatus"):
        parse_billstatus(raw)


def test_missing_optional_elements() -> None:
    root = etree.fromstring(body("v3_BILLSTATUS-117hr6658.xml"))
    bill = root.find("bill")
    for name in ("sponsors", "summaries", "textVersions", "latestAction", "introducedDate"):
        bill.remove(bill.find(name))
    thin = record(etree.tostring(root))
    assert (thin.reference, thin.sponsor, thin.summary, thin.current_stage) == (
        "H.R. 6658",
        "",
        "",
        "",
    )
    assert thin.published_on is None
    assert thin.stage_category == "committee"  # progress still read from the actions
    assert len(thin.events) == 3


def test_reencoded_latin1_declared_file_still_parses() -> None:
    raw = body("legacy_BILLSTATUS-114s1300.xml").decode("utf-8")
    latin = raw.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert record(latin).title == "Adoptive Family Relief Act"


def test_external_entities_are_not_resolved() -> None:
    raw = (
        body("v3_BILLSTATUS-117sconres7.xml")
        .replace(
            b"<billStatus>",
            b'<!DOCTYPE billStatus [<!ENTITY x SYSTEM "file:///etc/passwd">]><billStatus>',
            1,
        )
        .replace(b"<number>7</number>", b"<number>&x;</number>", 1)
    )
    with pytest.raises(KeyError, match="number"):
        record(raw)


def test_sitemap_index_entries() -> None:
    entries = sitemap_entries(body(INDEX))
    assert len(entries) == 96
    assert entries[0] == (
        "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/113s/sitemap.xml",
        datetime(2024, 1, 6, 8, 15, 0, 611000, tzinfo=UTC),
    )


def test_first_run_window_is_relative_to_the_newest_lastmod() -> None:
    changed = changed_since(sitemap_entries(body(INDEX)), None)
    assert len(changed) == 13
    assert changed[-1] == "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119sjres/sitemap.xml"


def test_watermark_selects_later_sitemaps_only() -> None:
    entries = sitemap_entries(body(INDEX))
    since = datetime.fromisoformat("2025-02-08T10:00:00-05:00")  # 15:00Z
    assert changed_since(entries, since) == [
        "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml",
        "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119hres/sitemap.xml",
        "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119s/sitemap.xml",
    ]
    assert changed_since(entries, datetime(2030, 1, 1, tzinfo=UTC)) == []


def test_urlset_shape_is_read_too() -> None:
    """A per-type sitemap is a <urlset> of <url>: derived here from the real index by renaming."""
    raw = body(INDEX).replace(b"sitemapindex", b"urlset").replace(b"<sitemap>", b"<url>")
    entries = sitemap_entries(raw.replace(b"</sitemap>", b"</url>"))
    assert len(entries) == 96


def test_sitemap_layout_change_and_truncation() -> None:
    raw = body(INDEX)
    with pytest.raises(KeyError, match="found <"):
        sitemap_entries(raw.replace(b"sitemapindex", b"index"))
    with pytest.raises(etree.XMLSyntaxError):
        sitemap_entries(raw[:1000])


def test_file_urls() -> None:
    assert INDEX_URL == "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
    assert billstatus_url(BillId("117", "hr", "6658")) == (
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/117/hr/BILLSTATUS-117hr6658.xml"
    )


def test_spider_names_source_url_and_cause_of_an_unreadable_file() -> None:
    url = billstatus_url(BillId("117", "hr", "6658"))
    raw = body("v3_BILLSTATUS-117hr6658.xml").replace(b"<number>6658</number>", b"", 1)
    spider = get_crawler(UsGovinfoBillstatusSpider)._create_spider()
    with pytest.raises(LayoutChanged) as caught:
        list(spider.parse_bill(XmlResponse(url=url, body=raw)))
    assert (caught.value.source, caught.value.url) == (SLUG, url)
    assert caught.value.cause == (
        "H.R. 6658 (117th): bill type/number/congress missing or unknown: 'hr' ''"
    )
    good = next(
        iter(spider.parse_bill(XmlResponse(url=url, body=body("v3_BILLSTATUS-117hr6658.xml"))))
    )
    assert (good.source_url, good.reference) == (url, "H.R. 6658")
