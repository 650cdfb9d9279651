"""What the two US bill sources share as spiders (us_common holds the pure mapping)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.base.source import SourceSpider
from crawlers.errors import LayoutChanged, SourceError
from crawlers.spiders.us_common import BillParts, bill_record, naming_bill, summary_problems
from models.records import DocumentRecord


class UsBillSpider(SourceSpider):
    """A US bill source: errors name the bill, and summaries no layout reads are reported."""

    def bill_record(self, parts: BillParts, source_url: str) -> DocumentRecord:
        """The bill's record; a summary in no known layout is left out of it and reported."""
        record = bill_record(
            parts, source=self.name, source_url=source_url, fetched_at=datetime.now(UTC)
        )
        for problem in summary_problems(parts):
            self.fail(source_url, problem, LayoutChanged)
        return record

    def fail(self, url: str, cause: str, error: type[SourceError] = SourceError) -> None:
        """Every error about one bill's request names the bill too: "H.R. 1 (117th): HTTP 500"."""
        super().fail(url, naming_bill(url, cause), error)
