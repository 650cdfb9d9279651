"""au-hansard: the Parliament of Australia's Hansard (ParlInfo), House and Senate, per sitting day.

- Sitting day page (one per date and chamber): https://parlinfo.aph.gov.au/parlInfo/search/display/
  display.w3p;adv=yes;orderBy=_fragment_number,doc_date-rev;page=0;query=Dataset:hansardr,hansardr80
  %20Date:4%2F3%2F2026;rec=0;resCount=Default (`hansards,hansards80` for the Senate). It links the
  whole day as XML:
  /parlInfo/download/chamber/<dataset>/<id>/toc_unixml/<name>.xml;fileType=text%2Fxml
  (served gzip-encoded; the XML starts with a byte-order mark). Read by `hansard_xml`.
- Days asked: `-a days=2026-03-04,...`, else weekdays in windows of WINDOW_DAYS from the day after
  the watermark (the last sitting day stored), or from FIRST_DAY on a first run; a window with no
  sitting day leads to the next, up to today. A day page without an XML link is a warning naming
  the day and chamber (no sitting, or the page changed).
- Proof Hansard is republished as official under the same ids: a new version, never a duplicate.
- Licence: CC BY-NC-ND 3.0 AU (APH). Recorded 2026-03-12 (shared fixtures/au). History: 2026-12:
  first version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError
from twisted.python.failure import Failure

from crawlers.errors import AlreadyReported, LayoutChanged, ParseError, SourceError, warn
from crawlers.spider_base.feed import LINKS_PIPELINE, LINKS_PIPELINE_ORDER
from crawlers.spider_base.source import SourceSpider
from crawlers.spiders.au.hansard_xml import HOUSE, SENATE, HansardUnreadable, day_records, read_day
from models.records import DocumentRecord

DISPLAY = (
    "https://parlinfo.aph.gov.au/parlInfo/search/display/display.w3p;adv=yes;"
    "orderBy=_fragment_number,doc_date-rev;page=0;query=Dataset:{datasets}%20Date:{day};"
    "rec=0;resCount=Default"
)
DATASETS = {HOUSE: "hansardr,hansardr80", SENATE: "hansards,hansards80"}
XML_LINK = "a[href*='/toc_unixml/']::attr(href)"
FIRST_DAY = date(2026, 3, 4)  # the first day this source covers; earlier ones with -a days=
WINDOW_DAYS = 7
NO_SITTING_STAT = "au_hansard/days_without_xml"
UNMAPPED_WARNED_STAT = "au_hansard/unmapped_warned"  # the pipeline counts them too


def display_url(day: date, chamber: str) -> str:
    return DISPLAY.format(datasets=DATASETS[chamber], day=f"{day.day}%2F{day.month}%2F{day.year}")


def weekdays(start: date, end: date) -> list[date]:
    """The days Parliament may sit between start and end, both included."""
    span = range((end - start).days + 1)
    return [day for day in (start + timedelta(n) for n in span) if day.weekday() < 5]


def parse_days(value: str) -> list[date]:
    return [date.fromisoformat(part.strip()) for part in value.split(",") if part.strip()]


class AuHansardSpider(SourceSpider):
    name = "au-hansard"
    title = "Parliament of Australia Hansard (ParlInfo), House and Senate"
    jurisdiction = "au"
    kind = "bills"
    interval_s = 12 * 3600
    may_be_empty = True  # a recess: no new sitting day for weeks
    allowed_domains: ClassVar[list[str]] = ["parlinfo.aph.gov.au"]

    def __init__(self, *args: Any, days: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = parse_days(days)
        self.today = datetime.now(UTC).date()
        self.http_state: dict[str, Any] = {}  # StatementLinksPipeline's: no validators here
        self.new_http_state: dict[str, Any] = {}
        self.pending = 0  # day pages of the current window not yet answered
        self.sat = False  # the current window held a sitting day
        # A day page that failed (an outage, a day the cassette never recorded) ends the walk:
        # what lies beyond cannot be known this run, and asking on would only add failures.
        self.walk_ended = False

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines.setdefault(LINKS_PIPELINE, LINKS_PIPELINE_ORDER)  # statements name bills, Acts
        settings.set("ITEM_PIPELINES", pipelines, priority="spider")

    def first_day(self) -> date:
        since = self.since_datetime()
        return since.date() + timedelta(days=1) if since else FIRST_DAY

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.day_pages(self.days) if self.days else self.window(self.first_day()):
            yield request

    def window(self, start: date) -> list[scrapy.Request]:
        self.window_end = min(start + timedelta(days=WINDOW_DAYS - 1), self.today)
        return self.day_pages(weekdays(start, self.window_end)) if start <= self.today else []

    def day_pages(self, days: list[date]) -> list[scrapy.Request]:
        self.pending, self.sat = 2 * len(days), False
        return [
            scrapy.Request(
                display_url(day, chamber),
                callback=self.parse_day_page,
                errback=self.day_failed,
                cb_kwargs={"day": day, "chamber": chamber},
            )
            for day in days
            for chamber in (HOUSE, SENATE)
        ]

    def answered(self) -> list[scrapy.Request]:
        """The next window once every page of this one answered and none had a sitting day."""
        self.pending -= 1
        done = self.pending or self.sat or self.walk_ended or self.days
        if done or self.window_end >= self.today:
            return []
        return self.window(self.window_end + timedelta(days=1))

    def parse_day_page(self, response: Response, day: date, chamber: str) -> Iterator[Any]:
        href = response.css(XML_LINK).get()
        if href:
            self.sat = True
            self.saw(1)
            yield response.follow(
                href, callback=self.parse_xml, errback=self.xml_failed,
                cb_kwargs={"day": day, "chamber": chamber},
            )  # fmt: skip
        else:
            cause = f"{day} {chamber}: no Hansard XML link on the day page (no sitting?)"
            warn(self.crawler, LayoutChanged(self.name, response.url, cause), NO_SITTING_STAT)
        yield from self.answered()

    def day_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.count_failure(failure)
        self.walk_ended = True
        yield from self.answered()

    def xml_failed(self, failure: Failure) -> None:
        """A day's XML that never arrived readable (not gzip as declared…): named by day."""
        request, error = failure.request, failure.value  # type: ignore[attr-defined]
        if isinstance(error, AlreadyReported | ScrapyHttpError):  # counted where refused
            self.count_failure(failure)
            return
        where = f"{request.cb_kwargs['day']} {request.cb_kwargs['chamber']}"
        self.fail(request.url, f"{where}: {type(error).__name__}: {error}", ParseError)

    def parse_xml(self, response: Response, day: date, chamber: str) -> Iterator[DocumentRecord]:
        try:
            root, found = read_day(response.body, response.url, datetime.now(UTC))
        except HansardUnreadable as error:
            self.fail(response.url, f"{day} {chamber}: {error}", ParseError)
            return
        if (found.day, found.chamber) != (day, chamber):
            cause = f"{day} {chamber}: the XML says {found.day} {found.chamber}"
            warn(self.crawler, SourceError(self.name, response.url, cause), "au_hansard/mismatch")
        records = day_records(root, found)
        self.report_day(response.url, found.day, found.chamber, records, found.unmapped)
        yield from records

    def report_day(
        self, url: str, day: date, chamber: str, records: list[DocumentRecord], unmapped: list[str]
    ) -> None:
        if not any(record.kind == "bill" for record in records):
            self.logger.info("%s %s %s: no BILLS debate that day", self.name, day, chamber)
        for stage in unmapped:
            cause = f"{day} {chamber}: unknown stage {stage!r}, kept as stated"
            warn(self.crawler, SourceError(self.name, url, cause), UNMAPPED_WARNED_STAT)
