"""uk-bills: UK Parliament Bills API (https://bills-api.parliament.uk/api/v1).

- List: /Bills?SortOrder=DateUpdatedDescending&Skip=N&Take=20 ({items, totalResults}); paging
  stops at the first page whose bills are all at or before the watermark (`since`). A whole
  page, not the first old bill: the recorded page is sorted by title, so order is not trusted.
  A first run (no watermark) reads FIRST_RUN_PAGES pages.
- Per changed bill: /Bills/{id} (long title, sponsors), /Bills/{id}/Stages (history), then
  /Bills/{id}/Publications (texts, explanatory notes: links in extra["publications"]). One
  event per stage sitting (a stage that has not sat has no date: not an event); the current
  stage comes from the list's currentStage. If detail or stages fail, the bill is still
  yielded from what arrived (a declared replay gap is a warning, anything else an error).
- The bodies carry no "HL Bill 12" style number: reference stays "" (never invented); the key
  is billId. Zone-less dates are Europe/London local time, stored in UTC.
- Licence: Open Parliament Licence v3.0. History: 2026-11: first version; publications added.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.base.json_api import json_list, json_object, newer_than, page_is_stale, parse_local
from crawlers.base.source import SourceSpider
from crawlers.errors import LayoutChanged, SourceError, report
from crawlers.spiders.uk_publications import parse_publications as read_publications
from crawlers.stages import uk_stage_category
from models.records import BILL, DocumentRecord, EventRecord

API = "https://bills-api.parliament.uk/api/v1/Bills"
SITE = "https://bills.parliament.uk/bills"
PAGE_SIZE = 20
FIRST_RUN_PAGES = 2
LONDON = ZoneInfo("Europe/London")


def list_url(skip: int) -> str:
    return f"{API}?SortOrder=DateUpdatedDescending&Skip={skip}&Take={PAGE_SIZE}"


def sitting_events(stage: dict[str, Any]) -> list[EventRecord]:
    """One event per sitting of a stage (none when the stage has not sat)."""
    description = str(stage.get("description") or "")
    abbreviation = str(stage.get("abbreviation") or "")
    return [
        EventRecord(
            stage=description,
            occurred_on=parse_local(str(sitting["date"]), LONDON).date(),
            chamber=str(stage.get("house") or ""),
            description=abbreviation,
            stage_category=uk_stage_category(description, abbreviation),
            key=f"sitting:{sitting['id']}",
        )
        for sitting in stage.get("stageSittings") or []
    ]


def stage_events(stages: list[dict[str, Any]]) -> list[EventRecord]:
    ordered = sorted(stages, key=lambda stage: int(stage.get("sortOrder") or 0))
    events = [event for stage in ordered for event in sitting_events(stage)]
    return sorted(events, key=lambda event: event.occurred_on or datetime.min.date())


def bill_status(bill: dict[str, Any]) -> str:
    if bill.get("billWithdrawn"):
        return "withdrawn"
    if bill.get("isDefeated"):
        return "defeated"
    return "act" if bill.get("isAct") else ""


def sponsors(detail: dict[str, Any]) -> str:
    names = [
        (s.get("member") or {}).get("name") or (s.get("organisation") or {}).get("name")
        for s in detail.get("sponsors") or []
    ]
    return ", ".join(str(name) for name in names if name)


def bill_record(
    bill: dict[str, Any],
    detail: dict[str, Any] | None,
    stages: list[dict[str, Any]] | None,
    *,
    source_url: str,
    publications: list[dict[str, Any]] | None = None,
) -> DocumentRecord:
    """The bill from its list entry, completed by its detail and stages when they arrived."""
    current = bill.get("currentStage") or {}
    description, abbreviation = (
        str(current.get("description") or ""),
        str(current.get("abbreviation") or ""),
    )
    events = stage_events(stages if stages is not None else [current] if current else [])
    return DocumentRecord(
        source="uk-bills",
        external_id=str(bill["billId"]),
        kind=BILL,
        jurisdiction="uk",
        title=str(bill["shortTitle"]),
        title_alt=str(bill.get("formerShortTitle") or ""),
        url=f"{SITE}/{bill['billId']}",
        session=str(bill.get("introducedSessionId") or ""),
        summary=str((detail or {}).get("longTitle") or ""),
        published_on=events[0].occurred_on if events else None,
        source_updated_at=parse_local(str(bill["lastUpdate"]), LONDON).astimezone(UTC),
        current_stage=description,
        stage_category=uk_stage_category(description, abbreviation),
        chamber=str(bill.get("currentHouse") or ""),
        status=bill_status(bill),
        sponsor=sponsors(detail or {}),
        extra={
            "bill_type_id": bill.get("billTypeId"),
            "originating_house": bill.get("originatingHouse"),
            "publications": publications or [],
        },
        events=events,
        source_url=source_url,
        fetched_at=datetime.now(UTC),
    )


class UkBillsSpider(SourceSpider):
    name = "uk-bills"
    title = "UK Parliament Bills API"
    jurisdiction = "uk"
    kind = "bills"
    interval_s = 3600
    allowed_domains: ClassVar[list[str]] = ["bills-api.parliament.uk"]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.list_request(0)

    def list_request(self, skip: int) -> scrapy.Request:
        return scrapy.Request(
            list_url(skip),
            callback=self.parse_list,
            errback=self.request_failed,
            cb_kwargs={"skip": skip},
        )

    def parse_list(self, response: Response, skip: int) -> Iterator[scrapy.Request]:
        data = json_object(self.name, response, "items")
        bills = json_list(self.name, response, "items")
        self.saw(len(bills))
        since = self.since_datetime()
        listed = [bill for bill in bills if self.readable(bill, response.url)]
        updates = [parse_local(str(bill["lastUpdate"]), LONDON) for bill in listed]
        for bill, updated in zip(listed, updates, strict=True):
            if newer_than(updated, since):
                yield self.detail_request(bill, response.url)
        if self.more_pages(skip, len(bills), data, since) and not page_is_stale(updates, since):
            yield self.list_request(skip + PAGE_SIZE)

    def readable(self, bill: Any, url: str) -> bool:
        """A list entry with what a bill needs; else one counted error and the bill is skipped."""
        try:
            if not str(bill["shortTitle"]).strip():
                raise KeyError("shortTitle")
            parse_local(str(bill["lastUpdate"]), LONDON)
            int(bill["billId"])
        except (KeyError, TypeError, ValueError) as error:
            self.fail(
                url, f"bill entry unreadable ({type(error).__name__}: {error})", LayoutChanged
            )
            return False
        return True

    def more_pages(
        self, skip: int, count: int, data: dict[str, Any], since: datetime | None
    ) -> bool:
        total = int(data.get("totalResults") or 0)
        within_first_run = since is not None or skip + PAGE_SIZE < FIRST_RUN_PAGES * PAGE_SIZE
        return count > 0 and skip + count < total and within_first_run

    def detail_request(self, bill: dict[str, Any], list_page: str) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}",
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"bill": bill, "list_page": list_page},
        )

    def stages_request(self, bill: dict[str, Any], detail: dict[str, Any] | None) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}/Stages",
            callback=self.parse_stages,
            errback=self.stages_failed,
            cb_kwargs={"bill": bill, "detail": detail},
        )

    def parse_detail(
        self, response: Response, bill: dict[str, Any], list_page: str
    ) -> Iterator[scrapy.Request]:
        try:
            detail: dict[str, Any] | None = json_object(self.name, response, "billId")
        except SourceError as error:
            report(self.crawler, error)
            detail = None
        yield self.stages_request(bill, detail)

    def detail_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.count_failure(failure)
        yield self.stages_request(failure.request.cb_kwargs["bill"], None)  # type: ignore[attr-defined]

    def parse_stages(
        self, response: Response, bill: dict[str, Any], detail: dict[str, Any] | None
    ) -> Iterator[scrapy.Request]:
        stages: list[dict[str, Any]] | None
        try:
            stages = json_list(self.name, response, "items")
            stage_events(stages)  # unreadable stages fall back to the list's current stage
        except SourceError as error:
            report(self.crawler, error)
            stages = None
        except (KeyError, TypeError, ValueError) as error:
            self.fail(
                response.url, f"stages unreadable ({type(error).__name__}: {error})", LayoutChanged
            )
            stages = None
        yield self.publications_request(bill, detail, stages)

    def stages_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.count_failure(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield self.publications_request(kwargs["bill"], kwargs["detail"], None)

    def publications_request(
        self, bill: dict[str, Any], detail: dict[str, Any] | None, stages: list[Any] | None
    ) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}/Publications",
            callback=self.parse_publications,
            errback=self.publications_failed,
            cb_kwargs={"bill": bill, "detail": detail, "stages": stages},
        )

    def parse_publications(
        self,
        response: Response,
        bill: dict[str, Any],
        detail: dict[str, Any] | None,
        stages: list[dict[str, Any]] | None,
    ) -> Iterator[DocumentRecord]:
        """Texts and explanatory notes become links on the bill; the bill never waits on them."""
        publications: list[dict[str, Any]] | None = None
        try:
            publications = read_publications(json_object(self.name, response, "publications"))
        except SourceError as error:
            report(self.crawler, error)
        except ValueError as error:
            self.fail(response.url, f"publications unreadable ({error})", LayoutChanged)
        yield bill_record(bill, detail, stages, source_url=response.url, publications=publications)

    def publications_failed(self, failure: Failure) -> Iterator[DocumentRecord]:
        self.count_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        yield bill_record(
            kwargs["bill"], kwargs["detail"], kwargs["stages"], source_url=request.url
        )
