"""Pure readers for GovInfo BILLSTATUS bulk data: sitemaps and bill files (3.0.0 and legacy)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from crawlers.spiders.us_common import (
    FIRST_RUN_DAYS,
    BillId,
    BillParts,
    items,
    parse_instant,
    subject_names,
)

INDEX_URL = "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
FILE_URL = "https://www.govinfo.gov/bulkdata/BILLSTATUS/{congress}/{type}/BILLSTATUS-{congress}{type}{number}.xml"
BILLSTATUS_ROOT = "billStatus"
_SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def element_data(element: etree._Element) -> Any:
    """XML -> the JSON shape: leaves are stripped text, `item` children and repeated tags lists."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return (element.text or "").strip()
    if all(child.tag == "item" for child in children):
        return [element_data(child) for child in children]
    counts = Counter(child.tag for child in children)
    data: dict[str, Any] = {}
    for child in children:
        if child.tag == "item" or counts[child.tag] > 1:
            data.setdefault(child.tag, []).append(element_data(child))
        else:
            data[child.tag] = element_data(child)
    return data


def parse_billstatus(body: bytes) -> BillParts:
    """A BILLSTATUS file (3.0.0 or legacy) -> BillParts; raises ValueError/KeyError on bad input."""
    root = etree.fromstring(body, parser=_XML_PARSER)
    bill_element = root.find("bill")
    if root.tag != BILLSTATUS_ROOT or bill_element is None:
        raise KeyError(f"expected <{BILLSTATUS_ROOT}><bill>, found <{root.tag}>")
    bill: dict[str, Any] = element_data(bill_element)
    return BillParts(
        bill=bill,
        actions=items(bill.get("actions")),
        summaries=items(bill.get("summaries"), "summary", "billSummaries"),
        text_versions=[v for v in items(bill.get("textVersions")) if v.get("formats")],
        subjects=subject_names(bill.get("subjects")),
    )


def sitemap_entries(body: bytes) -> list[tuple[str, datetime | None]]:
    """(loc, lastmod) of a sitemap index or a urlset; ValueError/KeyError on bad input."""
    root = etree.fromstring(body, parser=_XML_PARSER)
    if etree.QName(root).localname not in ("sitemapindex", "urlset"):
        raise KeyError(f"expected <sitemapindex> or <urlset>, found <{root.tag}>")
    return [
        (
            entry.findtext("sm:loc", "", _SITEMAP).strip(),
            parse_instant(entry.findtext("sm:lastmod", "", _SITEMAP).strip()),
        )
        for entry in root.findall("sm:sitemap", _SITEMAP) or root.findall("sm:url", _SITEMAP)
    ]


def changed_since(entries: list[tuple[str, datetime | None]], since: datetime | None) -> list[str]:
    """Locations modified after the watermark; a first run takes FIRST_RUN_DAYS before the
    newest modification listed (undated entries are always taken: they cannot be ruled out)."""
    dated = [stamp for _, stamp in entries if stamp]
    if since is None and dated:
        since = max(dated) - timedelta(days=FIRST_RUN_DAYS)
    return [loc for loc, stamp in entries if stamp is None or since is None or stamp > since]


def billstatus_url(bid: BillId) -> str:
    return FILE_URL.format(congress=bid.congress, type=bid.type, number=bid.number)
