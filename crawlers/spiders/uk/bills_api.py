"""uk-bills: UK Parliament Bills API (https://bills-api.parliament.uk/api/v1).

- List: /Bills?SortOrder=DateUpdatedDescending&Skip=N&Take=20 ({items, totalResults}), paged by
  JsonApiSpider: it stops at the first page whose bills are all at or before the watermark
  (`since`). A whole page, not the first old bill: the recorded page is sorted by title, so
  order is not trusted. A first run (no watermark) reads FIRST_RUN_PAGES pages.
- Per changed bill: /Bills/{id} (long title, sponsors), /Bills/{id}/Stages (history), then
  /Bills/{id}/Publications (texts, explanatory notes: links in extra["publications"]). One
  event per stage sitting (a stage that has not sat has no date: not an event); the current
  stage comes from the list's currentStage. If detail or stages fail, the bill is still
  yielded from what arrived (a declared replay gap is a warning, anything else an error). Every
  error about one bill names it (billId and short title) as well as the URL.
- Identity: the key is billId. `reference` is the printed number people cite, read from the
  publications' titles ("Bill 106", "HL Bill 40"): the latest print in the House the bill sits
  in, else its originating House (each House's in extra["bill_numbers"]); "" when no
  publications arrived (never invented). `session` is "session 35": the
  Bills API gives only its internal session id (introducedSessionId), and no recorded body
  maps ids to names ("2019-21"), so none is made up; every included id is in extra.
- Titles: `title` is shortTitle; `titles` lists it ("Short title"), formerShortTitle ("Former
  short title") and the detail's longTitle ("Long title").
- Outcome: isAct (or a Royal Assent current stage) is enacted on the assent sitting's date;
  billWithdrawn (a date) withdrawn on it; isDefeated defeated (no date given). Nothing the API
  sends says a bill fell at the end of a session (no flag; currentHouse is "Unassigned" only
  for Acts in the recorded list), so no bill is "lapsed": the rest are active. `status` is the
  human line: "Royal Assent 2010-07-27", "Withdrawn 2024-01-02", "2nd reading (Commons)".
- Stages: see crawlers.spiders.uk.bill_stages.uk_stage (second-House readings, unmapped wording).
  Zone-less dates are Europe/London local time, stored in UTC.
- Licence: Open Parliament Licence v3.0. History: 2026-11: first version; publications added;
  issue 14: session, reference, titles, outcome, second-House categories, named errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError
from twisted.python.failure import Failure

from crawlers.errors import AlreadyReported, HttpError, LayoutChanged, SourceError
from crawlers.spider_base.json_api import JsonApiSpider, json_list, json_object, parse_local
from crawlers.spiders.uk.bill_publications import bill_numbers
from crawlers.spiders.uk.bill_publications import parse_publications as read_publications
from crawlers.spiders.uk.bill_stages import UK_HOUSES, uk_stage
from models.records import BILL, DocumentRecord, EventRecord

API = "https://bills-api.parliament.uk/api/v1/Bills"
SITE = "https://bills.parliament.uk/bills"
PAGE_SIZE = 20
FIRST_RUN_PAGES = 2
LONDON = ZoneInfo("Europe/London")


def list_url(skip: int) -> str:
    return f"{API}?SortOrder=DateUpdatedDescending&Skip={skip}&Take={PAGE_SIZE}"


def named(bill: Any) -> str:
    """The bill as an error names it: 'bill 2818 "Abolition of Business Rates Bill"'."""
    if not isinstance(bill, dict):
        return f"bill entry {bill!r:.60}"
    title = str(bill.get("shortTitle") or bill.get("formerShortTitle") or "").strip()
    return f"bill {bill.get('billId', '(no billId)')} " + (f'"{title}"' if title else "(no title)")


def sitting_events(stage: dict[str, Any], originating_house: str = "") -> list[EventRecord]:
    """One event per sitting of a stage (none when the stage has not sat)."""
    description = str(stage.get("description") or "")
    abbreviation = str(stage.get("abbreviation") or "")
    house = str(stage.get("house") or "")
    category, unmapped = uk_stage(description, abbreviation, house, originating_house)
    return [
        EventRecord(
            stage=description,
            occurred_on=parse_local(str(sitting["date"]), LONDON).date(),
            chamber=house,
            description=abbreviation,
            stage_category=category,
            key=f"sitting:{sitting['id']}",
            unmapped=unmapped,
        )
        for sitting in stage.get("stageSittings") or []
    ]


def stage_events(stages: list[dict[str, Any]], originating_house: str = "") -> list[EventRecord]:
    ordered = sorted(stages, key=lambda stage: int(stage.get("sortOrder") or 0))
    events = [event for stage in ordered for event in sitting_events(stage, originating_house)]
    return sorted(events, key=lambda event: event.occurred_on or datetime.min.date())


def session_name(bill: dict[str, Any]) -> str:
    """ "session 35": the API's own session id, shown as such (no recorded id-to-name map)."""
    session_id = bill.get("introducedSessionId")
    return f"session {session_id}" if session_id not in (None, "") else ""


def bill_titles(bill: dict[str, Any], detail: dict[str, Any] | None) -> list[dict[str, str]]:
    given = [
        ("Short title", bill.get("shortTitle")),
        ("Former short title", bill.get("formerShortTitle")),
        ("Long title", (detail or {}).get("longTitle")),
    ]
    return [
        {"type": kind, "title": " ".join(str(title).split()), "language": "en"}
        for kind, title in given
        if title and str(title).strip()
    ]


def bill_reference(numbers: dict[str, str], current_house: str, originating_house: str) -> str:
    """The number people cite now: the bill's latest print in the House it sits in, else in
    the House that originated it, else any ("" without a numbered print: never invented)."""
    for house in (current_house, originating_house, *sorted(numbers)):
        if house in numbers:
            return numbers[house]
    return ""


def current_stage_line(current: dict[str, Any]) -> str:
    """Today's status in the source's words: "2nd reading (Commons)" (its date is an event's)."""
    description = str(current.get("description") or "")
    house = str(current.get("house") or "")
    return f"{description} ({house})" if description and house in UK_HOUSES else description


def local_date(value: Any) -> date | None:
    """The London date of an API timestamp; None when it is not one."""
    try:
        return parse_local(str(value), LONDON).date()
    except ValueError:
        return None


def bill_outcome(bill: dict[str, Any], events: list[EventRecord]) -> tuple[str, date | None, str]:
    """(outcome, outcome_on, status) from the API's flags; see the module docstring."""
    current = bill.get("currentStage") or {}
    assented = [event for event in events if event.stage_category == "assent"]
    if bill.get("isAct") or assented:
        on = max((e.occurred_on for e in assented if e.occurred_on), default=None)
        said = assented[-1].stage if assented else "Royal Assent"
        return "enacted", on, f"{said} {on.isoformat()}" if on else said
    if bill.get("billWithdrawn"):
        withdrawn_on = local_date(bill["billWithdrawn"])
        said = f"Withdrawn {withdrawn_on.isoformat()}" if withdrawn_on else "Withdrawn"
        return "withdrawn", withdrawn_on, said
    line = current_stage_line(current)
    if bill.get("isDefeated"):
        return "defeated", None, f"Defeated at {line}" if line else "Defeated"
    return "active", None, line


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
    origin = str(bill.get("originatingHouse") or (detail or {}).get("originatingHouse") or "")
    events = stage_events(stages if stages is not None else [current] if current else [], origin)
    category, _ = uk_stage(description, abbreviation, str(current.get("house") or ""), origin)
    outcome, outcome_on, status = bill_outcome(bill, events)
    numbers = bill_numbers(publications or [])
    return DocumentRecord(
        source="uk-bills",
        external_id=str(bill["billId"]),
        kind=BILL,
        jurisdiction="uk",
        title=str(bill["shortTitle"]),
        url=f"{SITE}/{bill['billId']}",
        reference=bill_reference(numbers, str(bill.get("currentHouse") or ""), origin),
        session=session_name(bill),
        summary=str((detail or {}).get("longTitle") or ""),
        published_on=events[0].occurred_on if events else None,
        source_updated_at=parse_local(str(bill["lastUpdate"]), LONDON).astimezone(UTC),
        current_stage=description,
        stage_category=category,
        chamber=str(bill.get("currentHouse") or ""),
        status=status,
        outcome=outcome,
        outcome_on=outcome_on,
        titles=bill_titles(bill, detail),
        sponsor=sponsors(detail or {}),
        extra={
            "bill_type_id": bill.get("billTypeId"),
            "originating_house": origin,
            "session_ids": list(bill.get("includedSessionIds") or []),
            "publications": publications or [],
            "bill_numbers": numbers,  # each House's latest printed number
        },
        events=events,
        source_url=source_url,
        fetched_at=datetime.now(UTC),
    )


class UkBillsSpider(JsonApiSpider):
    name = "uk-bills"
    title = "UK Parliament Bills API"
    jurisdiction = "uk"
    kind = "bills"
    interval_s = 3600
    allowed_domains: ClassVar[list[str]] = ["bills-api.parliament.uk"]

    entries_key = "items"
    total_key = "totalResults"
    page_size = PAGE_SIZE
    first_run_pages = FIRST_RUN_PAGES

    def page_url(self, offset: int) -> str:
        return list_url(offset)

    def entry_updated(self, entry: Any) -> datetime:
        return parse_local(str(entry["lastUpdate"]), LONDON)

    def follow_entry(self, entry: Any, response: Response) -> Iterator[scrapy.Request]:
        yield self.detail_request(entry, response.url)

    def readable(self, bill: Any, url: str) -> bool:
        """A list entry with what a bill needs; else one counted error and the bill is skipped."""
        try:
            if not str(bill["shortTitle"]).strip():
                raise KeyError("shortTitle")
            parse_local(str(bill["lastUpdate"]), LONDON)
            int(bill["billId"])
        except (KeyError, TypeError, ValueError) as error:
            self.fail(
                url,
                f"{named(bill)}: bill entry unreadable, dropped ({type(error).__name__}: {error})",
                LayoutChanged,
            )
            return False
        return True

    def fail_for(self, bill: Any, error: SourceError) -> None:
        """Count `error` as one line that names the bill as well as the URL."""
        self.fail(error.url, f"{named(bill)}: {error.cause}", type(error))

    def bill_request_failed(self, failure: Failure, bill: Any) -> None:
        """A detail, stages or publications request that failed: counted once, naming the bill."""
        error = failure.value
        if isinstance(error, AlreadyReported):
            return  # refused and accounted for by a middleware (a declared gap, a replay miss)
        url = failure.request.url  # type: ignore[attr-defined]
        if isinstance(error, ScrapyHttpError):
            self.fail(url, f"{named(bill)}: HTTP {error.response.status}", HttpError)
        else:
            self.fail(url, f"{named(bill)}: {type(error).__name__}: {error}")

    def detail_request(self, bill: dict[str, Any], list_page: str) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}",
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"bill": bill, "list_page": list_page},
        )

    # `read_from` along the chain: the newest response whose data the record holds, its
    # provenance (source_url) when a later request fails.
    def stages_request(
        self, bill: dict[str, Any], detail: dict[str, Any] | None, read_from: str
    ) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}/Stages",
            callback=self.parse_stages,
            errback=self.stages_failed,
            cb_kwargs={"bill": bill, "detail": detail, "read_from": read_from},
        )

    def parse_detail(
        self, response: Response, bill: dict[str, Any], list_page: str
    ) -> Iterator[scrapy.Request]:
        try:
            detail: dict[str, Any] | None = json_object(self.name, response, "billId")
        except SourceError as error:
            self.fail_for(bill, error)
            detail = None
        yield self.stages_request(bill, detail, response.url if detail else list_page)

    def detail_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.bill_request_failed(failure, kwargs["bill"])
        yield self.stages_request(kwargs["bill"], None, kwargs["list_page"])

    def parse_stages(
        self,
        response: Response,
        bill: dict[str, Any],
        detail: dict[str, Any] | None,
        read_from: str,
    ) -> Iterator[scrapy.Request]:
        stages: list[dict[str, Any]] | None
        try:
            stages = json_list(self.name, response, "items")
            stage_events(stages)  # unreadable stages fall back to the list's current stage
        except SourceError as error:
            self.fail_for(bill, error)
            stages = None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            cause = f"stages unreadable ({type(error).__name__}: {error})"
            self.fail_for(bill, LayoutChanged(self.name, response.url, cause))
            stages = None
        read_from = response.url if stages is not None else read_from
        yield self.publications_request(bill, detail, stages, read_from)

    def stages_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.bill_request_failed(failure, kwargs["bill"])
        yield self.publications_request(kwargs["bill"], kwargs["detail"], None, kwargs["read_from"])

    def publications_request(
        self,
        bill: dict[str, Any],
        detail: dict[str, Any] | None,
        stages: list[Any] | None,
        read_from: str,
    ) -> scrapy.Request:
        return scrapy.Request(
            f"{API}/{bill['billId']}/Publications",
            callback=self.parse_publications,
            errback=self.publications_failed,
            cb_kwargs={"bill": bill, "detail": detail, "stages": stages, "read_from": read_from},
        )

    def parse_publications(
        self,
        response: Response,
        bill: dict[str, Any],
        detail: dict[str, Any] | None,
        stages: list[dict[str, Any]] | None,
        read_from: str,
    ) -> Iterator[DocumentRecord]:
        """Texts and explanatory notes become links on the bill; the bill never waits on them."""
        publications: list[dict[str, Any]] | None = None
        try:
            publications = read_publications(json_object(self.name, response, "publications"))
        except SourceError as error:
            self.fail_for(bill, error)
        except ValueError as error:
            cause = f"publications unreadable ({error})"
            self.fail_for(bill, LayoutChanged(self.name, response.url, cause))
        source_url = response.url if publications is not None else read_from
        yield bill_record(bill, detail, stages, source_url=source_url, publications=publications)

    def publications_failed(self, failure: Failure) -> Iterator[DocumentRecord]:
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        self.bill_request_failed(failure, kwargs["bill"])
        yield bill_record(
            kwargs["bill"], kwargs["detail"], kwargs["stages"], source_url=kwargs["read_from"]
        )
