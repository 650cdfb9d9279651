"""What the two US bill sources share as spiders (bill_mapping holds the pure mapping).

Text versions: after a bill's record, each version it lists in GPO's BILLS XML is fetched from
GovInfo (`/content/pkg/BILLS-{package}/xml/BILLS-{package}.xml`) and yielded parsed, as a
`TextVersionRecord`. Congress.gov lists the same GPO file under its own host
(`www.congress.gov/117/bills/hr1/BILLS-117hr1ih.xml`): its package name leads to the GovInfo
URL, so both sources fetch texts from one host. Other formats (PDF, HTML) stay links.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers.errors import LayoutChanged, ParseError, SourceError
from crawlers.spider_base.source import SourceSpider
from crawlers.spiders.us.bill_mapping import (
    BillId,
    BillParts,
    bill_label,
    bill_record,
    naming_bill,
    summary_problems,
)
from crawlers.spiders.us.bill_text_xml import BillTextError, parse_bill_text
from models.billtext import TextVersionRecord
from models.records import DocumentRecord

GOVINFO_HOST = "www.govinfo.gov"
# A BILLS XML file by its package name, "BILLS-116hr1500rh": congress, type, number, version.
_BILLS_XML = re.compile(r"/BILLS-((\d+)([a-z]+)(\d+)([a-z]+))\.xml$")


def govinfo_text_url(url: str) -> str | None:
    """The GovInfo URL of a BILLS XML format URL (GovInfo's own or Congress.gov's), else None."""
    found = _BILLS_XML.search(url)
    if found is None:
        return None
    package = f"BILLS-{found[1]}"
    return f"https://{GOVINFO_HOST}/content/pkg/{package}/xml/{package}.xml"


def version_code(url: str) -> str:
    """ "rh" for .../BILLS-116hr1500rh.xml."""
    found = _BILLS_XML.search(url)
    return found[5] if found else "?"


class UsBillSpider(SourceSpider):
    """A US bill source: errors name the bill (and the text version), summaries no layout reads
    are reported, and each bill's XML text versions are followed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # text URL -> how errors name it: "H.R. 1500 (116th) Reported in House (rh)"
        self.text_names: dict[str, str] = {}

    def bill_record(self, parts: BillParts, source_url: str) -> DocumentRecord:
        """The bill's record; a summary in no known layout is left out of it and reported."""
        record = bill_record(
            parts, source=self.name, source_url=source_url, fetched_at=datetime.now(UTC)
        )
        for problem in summary_problems(parts):
            self.fail(source_url, problem, LayoutChanged)
        return record

    def with_texts(self, record: DocumentRecord) -> Iterator[DocumentRecord | Request]:
        """The bill's record, then a request for each of its text versions in BILLS XML."""
        yield record
        for link in record.extra.get("texts", []):
            url = govinfo_text_url(link["url"])
            if url is None or url in self.text_names:
                continue
            stage = link["title"]
            self.text_names[url] = f"{self.bill_name(record)} {stage} ({version_code(url)})"
            issued_on = date.fromisoformat(link["date"]) if link["date"] else None
            yield Request(
                url,
                callback=self.parse_text,
                errback=self.request_failed,
                cb_kwargs={"bill": record.external_id, "stage": stage, "issued_on": issued_on},
            )

    @staticmethod
    def bill_name(record: DocumentRecord) -> str:
        """ "H.R. 1500 (116th)" for the record of 116-hr-1500."""
        return bill_label(BillId(*record.external_id.split("-")))

    def parse_text(
        self, response: Response, bill: str, stage: str, issued_on: date | None
    ) -> Iterator[TextVersionRecord]:
        """One text version, parsed; a damaged one is an error naming bill and version."""
        try:
            yield parse_bill_text(
                response.body,
                url=response.url,
                source=self.name,
                bill_external_id=bill,
                stage=stage,
                issued_on=issued_on,
            )
        except BillTextError as exc:
            raise ParseError(self.name, response.url, self.naming(response.url, str(exc))) from exc

    def naming(self, url: str, cause: str) -> str:
        """The cause led by the bill (and the version, for a text) the URL is for."""
        name = self.text_names.get(url)
        if name is None or cause.startswith(name):
            return naming_bill(url, cause)
        return f"{name}: {cause}"

    def fail(self, url: str, cause: str, error: type[SourceError] = SourceError) -> None:
        """Every error about one bill's request names the bill too: "H.R. 1 (117th): HTTP 500"."""
        super().fail(url, self.naming(url, cause), error)
