"""Pure readers for GovInfo BILLSTATUS bulk data: sitemaps and bill files (3.0.0 and legacy)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from crawlers.spiders.us.bill_mapping import (
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


# What a record is built from (bill_mapping.bill_record and its helpers). The rest of <bill>
# (cosponsors, committees, amendments, related bills, CBO estimates...) is most of a file, and
# turning it into dicts was most of the parsing time.
BILL_FIELDS = frozenset(
    {
        "number",
        "billNumber",
        "type",
        "billType",
        "congress",
        "title",
        "titles",
        "originChamber",
        "introducedDate",
        "updateDate",
        "updateDateIncludingText",
        "latestAction",
        "sponsors",
        "policyArea",
        "laws",
        "actions",
        "summaries",
        "billSummaries",
        "textVersions",
        "subjects",
    }
)


def element_data(element: etree._Element) -> Any:
    """XML -> the JSON shape: leaves are stripped text, `item` children and repeated tags lists."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return (element.text or "").strip()
    return _children_data(children)


def _children_data(children: list[etree._Element]) -> Any:
    tags = [child.tag for child in children]
    if all(tag == "item" for tag in tags):
        return [element_data(child) for child in children]
    if len(set(tags)) == len(tags):  # the common case: no tag repeated
        return {tag: _data_or_list(child) for tag, child in zip(tags, children, strict=True)}
    data: dict[str, Any] = {}
    repeated = {tag for tag in tags if tags.count(tag) > 1}
    for tag, child in zip(tags, children, strict=True):
        if tag in repeated or tag == "item":
            data.setdefault(tag, []).append(element_data(child))
        else:
            data[tag] = element_data(child)
    return data


def _data_or_list(child: etree._Element) -> Any:
    """A lone `item` among other tags is still a list of one."""
    return [element_data(child)] if child.tag == "item" else element_data(child)


def parse_billstatus(body: bytes) -> BillParts:
    """A BILLSTATUS file (3.0.0 or legacy) -> BillParts; raises ValueError/KeyError on bad input."""
    root = etree.fromstring(body, parser=_XML_PARSER)
    bill_element = root.find("bill")
    if root.tag != BILLSTATUS_ROOT or bill_element is None:
        raise KeyError(f"expected <{BILLSTATUS_ROOT}><bill>, found <{root.tag}>")
    kept = [child for child in bill_element if child.tag in BILL_FIELDS]
    bill: dict[str, Any] = _children_data(kept) if kept else {}
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
