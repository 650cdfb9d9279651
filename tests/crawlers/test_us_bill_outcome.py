"""US bills' titles, summaries, outcome and the errors naming a bill, on the real recorded
bodies (BILLSTATUS: GPO's samples and H.R. 1500 / H.R. 6972 as aih/bills recorded them;
Congress.gov API v3 JSON). Bodies changed for a case the recordings lack are derived from a
real one inside the test, and say so."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from lxml import etree
from scrapy import Request
from scrapy.http import Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError as ScrapyHttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawlers.errors import ERROR_LINES_STAT
from crawlers.spiders.us.bill_mapping import (
    BillId,
    BillParts,
    Outcome,
    bill_label,
    bill_record,
    congress_end,
    latest_summary,
    summary_problems,
    url_bill_label,
)
from crawlers.spiders.us.billstatus_xml import billstatus_url, parse_billstatus
from crawlers.spiders.us.congress_api import Fetch
from crawlers.spiders.us.congress_bills import UsCongressBillsSpider
from crawlers.spiders.us.govinfo_billstatus import UsGovinfoBillstatusSpider
from models.records import DocumentRecord
from models.vocabulary import OUTCOMES

ROOT = Path(__file__).resolve().parents[2]
GOVINFO = ROOT / "cassettes" / "us-govinfo-billstatus" / "bodies"
CONGRESS = ROOT / "cassettes" / "us-congress-bills" / "bodies"
FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
BILL_FILES = sorted(path.name for path in GOVINFO.glob("*BILLSTATUS-1*.xml"))
HR1500 = "legacy_BILLSTATUS-116hr1500.xml"
S35 = "v3_BILLSTATUS-117s35.xml"
S1300 = "legacy_BILLSTATUS-114s1300.xml"
SCONRES7 = "v3_BILLSTATUS-117sconres7.xml"


def raw(name: str) -> bytes:
    return (GOVINFO / name).read_bytes()


def record(parts: BillParts, fetched_at: datetime = FETCHED) -> Any:
    return bill_record(parts, source="t", source_url="https://example.test/", fetched_at=fetched_at)


def outcome_of(parts: BillParts, fetched_at: datetime = FETCHED) -> Outcome:
    """The outcome a record gets (us_common.bill_outcome over the bill's events)."""
    bill = record(parts, fetched_at)
    return Outcome(bill.outcome, bill.outcome_on, bill.status)


def congress_parts(pattern: str) -> BillParts:
    """Detail, actions and summaries of a recorded Congress.gov bill."""

    def load(part: str) -> Any:
        return json.loads((CONGRESS / pattern.format(part)).read_bytes())

    return BillParts(
        bill=load("")["bill"],
        actions=load("actions_")["actions"],
        summaries=load("summaries_")["summaries"],
    )


def govinfo_spider() -> UsGovinfoBillstatusSpider:
    return cast(UsGovinfoBillstatusSpider, get_crawler(UsGovinfoBillstatusSpider)._create_spider())


def congress_spider(**kwargs: Any) -> UsCongressBillsSpider:
    created = get_crawler(UsCongressBillsSpider)._create_spider(**kwargs)
    return cast(UsCongressBillsSpider, created)


def with_actions(parts: BillParts, *texts: tuple[str, str]) -> BillParts:
    """The real bill with (date, text) actions added (sources list newest first)."""
    added = [{"actionDate": day, "text": text} for day, text in reversed(texts)]
    return BillParts(bill=parts.bill, actions=added + parts.actions, summaries=parts.summaries)


# --- titles -----------------------------------------------------------------------------------


def test_hr1500_every_title_in_source_order() -> None:
    bill = record(parse_billstatus(raw(HR1500)))
    assert bill.title == "Consumers First Act"
    official = (
        "To require the Consumer Financial Protection Bureau to meet its statutory purpose, "
        "and for other purposes."
    )
    assert bill.titles == [
        {"type": "Official Title as Introduced", "title": official, "language": "en"},
        {"type": "Short Titles as Passed House", "title": "Consumers First Act", "language": "en"},
        {"type": "Display Title", "title": "Consumers First Act", "language": "en"},
        {
            "type": "Short Title(s) as Reported to House",
            "title": "Consumers First Act",
            "language": "en",
        },
        {"type": "Short Title(s) as Introduced", "title": "Consumers First Act", "language": "en"},
    ]


def test_3_0_0_and_legacy_titles_types_as_stated() -> None:
    s35 = record(parse_billstatus(raw(S35)))
    assert [t["type"] for t in s35.titles] == [
        "Display Title",
        "Short Title(s) as Introduced",
        "Short Title(s) as Passed Senate",
        "Short Titles as Passed Senate",
        "Official Title as Introduced",
    ]
    s1300 = record(parse_billstatus(raw(S1300)))
    assert [t["type"] for t in s1300.titles][:2] == [
        "Short Titles as Enacted",
        "Short Titles as Passed Senate",
    ]
    assert len(s1300.titles) == 7


@pytest.mark.parametrize("name", BILL_FILES)
def test_every_file_gives_its_display_title_among_its_titles(name: str) -> None:
    bill = record(parse_billstatus(raw(name)))
    assert {"type": "Display Title", "title": bill.title, "language": "en"} in bill.titles
    assert len({(t["type"], t["title"]) for t in bill.titles}) == len(bill.titles)


def test_same_type_and_title_once() -> None:
    """Derived: H.R. 1500's first title item repeated at the end."""
    root = etree.fromstring(raw(HR1500))
    (titles,) = root.findall("bill/titles")
    first = titles.findall("item")[0]
    titles.append(etree.fromstring(etree.tostring(first)))
    assert len(record(parse_billstatus(etree.tostring(root))).titles) == 5


def test_congress_gov_records_only_the_title() -> None:
    bill = record(congress_parts("bill_117_hr_1_{}nock-2025-06-20.json"))
    assert bill.titles == [
        {"type": "Display Title", "title": "For the People Act of 2021", "language": "en"}
    ]


# --- summaries --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BILL_FILES)
def test_every_recorded_summary_layout_gives_text(name: str) -> None:
    parts = parse_billstatus(raw(name))
    assert parts.summaries
    assert summary_problems(parts) == []
    summary = record(parts).summary
    assert summary
    assert "<" not in summary


def test_hr1500_legacy_bill_summaries_newest() -> None:
    parts = parse_billstatus(raw(HR1500))
    assert len(parts.summaries) == 3
    assert record(parts).summary.startswith("Consumers First Act\nThis bill revises provisions")


def in_summaries(body: bytes, pattern: bytes, replacement: bytes) -> bytes:
    """The body with `pattern` replaced inside its `<summaries>` element only."""
    start, end = body.index(b"<summaries>"), body.index(b"</summaries>")
    inside = re.sub(pattern, replacement, body[start:end], flags=re.S)
    return body[:start] + inside + body[end:]


def cdata_wrapped(body: bytes) -> bytes:
    """Derived: each 3.0.0 `<summary><text>` wrapped as GovInfo serves 3.0.0 files today,
    `<summary><cdata><text>…</text></cdata>`."""
    return in_summaries(body, rb"(<text>.*?</text>)", rb"<cdata>\1</cdata>")


def test_cdata_text_layout_gives_the_same_text() -> None:
    plain = parse_billstatus(raw(S35))
    wrapped = parse_billstatus(cdata_wrapped(raw(S35)))
    assert all("cdata" in s and "text" not in s for s in wrapped.summaries)
    assert summary_problems(wrapped) == []
    assert latest_summary(wrapped.summaries) == latest_summary(plain.summaries)
    assert latest_summary(wrapped.summaries).startswith("Officer Eugene Goodman")


def unknown_layout(body: bytes) -> bytes:
    """Derived: the summaries' text under a tag no layout knows."""
    return in_summaries(body, rb"<(/?)text>", rb"<\1summaryText>")


def test_unknown_summary_layout_is_left_out_and_named() -> None:
    parts = parse_billstatus(unknown_layout(raw(SCONRES7)))
    assert record(parts).summary == ""
    assert len(record(parts).events) == 2  # the rest of the bill is read as before
    (problem,) = summary_problems(parts)
    assert problem.startswith(
        "S.Con.Res. 7 (117th): summary 00 of 2021-03-01 (Introduced in Senate)"
    )
    assert "no text in a known layout" in problem


def test_govinfo_spider_counts_the_unknown_summary_layout() -> None:
    url = billstatus_url(BillId("117", "sconres", "7"))
    govinfo = govinfo_spider()
    response = XmlResponse(url=url, body=unknown_layout(raw(SCONRES7)))
    outputs = list(govinfo.parse_bill(response))
    # The bill, then a request for each text version it lists (S.Con.Res. 7: as introduced).
    (bill,) = [output for output in outputs if isinstance(output, DocumentRecord)]
    assert [type(output) for output in outputs[1:]] == [Request]
    assert bill.summary == ""
    (line,) = govinfo.crawler.stats.get_value(ERROR_LINES_STAT)
    assert line.startswith(
        f"LayoutChanged: us-govinfo-billstatus {url}: S.Con.Res. 7 (117th): summary 00 of "
    )


def test_congress_summary_without_text_is_counted() -> None:
    parts = congress_parts("bill_117_hr_21_{}loc-sample.json")
    parts.summaries = [{k: v for k, v in s.items() if k != "text"} for s in parts.summaries]
    congress = congress_spider()
    detail = "https://api.congress.gov/v3/bill/117/hr/21?format=json"
    bill = congress.record(parts, detail)
    assert bill.summary == ""
    lines = congress.crawler.stats.get_value(ERROR_LINES_STAT)
    assert lines
    assert all("H.R. 21 (117th): summary" in line for line in lines)
    assert len(lines) == len(parts.summaries)


# --- outcome ----------------------------------------------------------------------------------


def test_congress_end() -> None:
    assert congress_end(116).date() == date(2021, 1, 3)
    assert congress_end(117).isoformat() == "2023-01-03T12:00:00-05:00"


def test_enacted_with_the_law_and_its_day() -> None:
    bill = record(parse_billstatus(raw(S1300)))
    assert (bill.outcome, bill.outcome_on, bill.status) == (
        "enacted",
        date(2015, 10, 16),
        "Public Law 114-70",
    )


def test_hr1500_lapsed_with_the_116th_congress() -> None:
    bill = record(parse_billstatus(raw(HR1500)))
    assert (bill.outcome, bill.outcome_on) == ("lapsed", date(2021, 1, 3))
    assert bill.status == "Lapsed — 116th Congress ended 2021-01-03"
    assert len(bill.events) == 50  # the bill's own actions (the file's other items: amendments')


def test_hr1500_active_while_its_congress_sat() -> None:
    parts = parse_billstatus(raw(HR1500))
    outcome = outcome_of(parts, datetime(2020, 6, 1, tzinfo=UTC))
    assert (outcome.outcome, outcome.on) == ("active", None)
    assert outcome.status == (
        "Received in the Senate and Read twice and referred to the Committee on Banking, "
        "Housing, and Urban Affairs."
    )
    # the last morning of the 116th Congress is still within it; its noon ends it
    assert outcome_of(parts, datetime(2021, 1, 3, 16, 59, tzinfo=UTC)).outcome == "active"
    assert outcome_of(parts, datetime(2021, 1, 3, 17, 0, tzinfo=UTC)).outcome == "lapsed"


def test_congress_gov_bills_lapsed_and_a_law_from_its_action_text() -> None:
    hr21 = record(congress_parts("bill_117_hr_21_{}loc-sample.json"))
    assert (hr21.outcome, hr21.outcome_on) == ("lapsed", date(2023, 1, 3))
    # Derived: H.R. 21 signed and become law (laws is [] in the sample, as before a number)
    parts = with_actions(
        congress_parts("bill_117_hr_21_{}loc-sample.json"),
        ("2022-12-20", "Signed by President."),
        ("2022-12-23", "Became Public Law No: 117-263."),
    )
    outcome = outcome_of(parts, FETCHED)
    assert (outcome.outcome, outcome.on, outcome.status) == (
        "enacted",
        date(2022, 12, 23),
        "Public Law 117-263",
    )


def test_vetoed_unless_both_chambers_override() -> None:
    """Derived from H.R. 1500 (passed the House): presented, vetoed, a failed override."""
    parts = with_actions(
        parse_billstatus(raw(HR1500)),
        ("2020-06-01", "Presented to President."),
        ("2020-06-10", "Vetoed by President."),
        ("2020-06-20", "Failed of passage in House over veto by the Yeas and Nays: 200 - 210."),
    )
    outcome = outcome_of(parts, FETCHED)
    assert (outcome.outcome, outcome.on, outcome.status) == (
        "vetoed",
        date(2020, 6, 10),
        "Vetoed by President.",
    )
    overridden = with_actions(
        parts,
        (
            "2020-06-21",
            "Passed House over veto: On passage, the objections of the President "
            "to the contrary notwithstanding Passed by the Yeas and Nays: 300 - 110.",
        ),
        ("2020-06-22", "Passed Senate over veto by Yea-Nay Vote. 70 - 30."),
    )
    assert outcome_of(overridden, FETCHED).outcome == "enacted"


def test_defeated_unless_passed_later() -> None:
    """Derived from H.R. 1500: a Senate vote that failed, then (second case) one that passed."""
    failed = with_actions(
        parse_billstatus(raw(HR1500)),
        ("2020-03-01", "Failed of passage/not agreed to in Senate: by Yea-Nay Vote. 45 - 55."),
    )
    outcome = outcome_of(failed, FETCHED)
    assert (outcome.outcome, outcome.on) == ("defeated", date(2020, 3, 1))
    passed = with_actions(failed, ("2020-04-01", "Passed Senate without amendment by Voice Vote."))
    assert outcome_of(passed, FETCHED).outcome == "lapsed"


def test_resolutions_adopted() -> None:
    """Derived from S.Con.Res. 7 (referred only): agreed to in the Senate, then the House."""
    senate = with_actions(
        parse_billstatus(raw(SCONRES7)),
        ("2021-03-10", "Resolution agreed to in Senate without amendment by Unanimous Consent."),
    )
    assert outcome_of(senate, FETCHED).outcome == "lapsed"  # one chamber is not enough
    both = with_actions(
        senate,
        (
            "2021-04-01",
            "Passed/agreed to in House: On motion to suspend the rules and agree to "
            "the concurrent resolution Agreed to by voice vote.",
        ),
    )
    outcome = outcome_of(both, FETCHED)
    assert (outcome.outcome, outcome.on) == ("adopted", date(2021, 4, 1))
    simple = BillParts(bill={**senate.bill, "type": "SRES"}, actions=senate.actions)
    assert outcome_of(simple, FETCHED).outcome == "adopted"  # a simple resolution: its chamber


@pytest.mark.parametrize("name", BILL_FILES)
def test_every_file_has_an_outcome_of_the_vocabulary(name: str) -> None:
    bill = record(parse_billstatus(raw(name)))
    assert bill.outcome in OUTCOMES
    assert bill.status


# --- errors name the bill ---------------------------------------------------------------------


def test_labels() -> None:
    assert bill_label(BillId("116", "hr", "1500")) == "H.R. 1500 (116th)"
    assert url_bill_label(billstatus_url(BillId("116", "hr", "1500"))) == "H.R. 1500 (116th)"
    assert (
        url_bill_label("https://api.congress.gov/v3/bill/117/hr/1/actions?format=json&limit=250")
        == "H.R. 1 (117th)"
    )
    assert url_bill_label("https://api.congress.gov/v3/bill?format=json") == ""
    assert (
        url_bill_label("https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/116hr/sitemap.xml")
        == ""
    )


def http_failure(url: str, status: int, **cb_kwargs: Any) -> Failure:
    request = Request(url, cb_kwargs=cb_kwargs)
    response = Response(url, status=status, request=request)
    failure = Failure(
        ScrapyHttpError(  # type: ignore[no-untyped-call]
            response, "Ignoring non-200 response"
        )
    )
    failure.request = request  # type: ignore[attr-defined]
    return failure


def test_govinfo_failed_file_names_the_bill() -> None:
    url = billstatus_url(BillId("116", "hr", "1500"))
    govinfo = govinfo_spider()
    govinfo.on_failure(http_failure(url, 404))
    assert govinfo.crawler.stats.get_value(ERROR_LINES_STAT) == [
        f"HttpError: us-govinfo-billstatus {url}: H.R. 1500 (116th): HTTP 404"
    ]


def test_govinfo_unreadable_file_names_the_bill() -> None:
    url = billstatus_url(BillId("116", "hr", "1500"))
    govinfo = govinfo_spider()
    with pytest.raises(Exception, match=r"H\.R\. 1500 \(116th\): not XML") as caught:
        list(govinfo.parse_bill(XmlResponse(url=url, body=raw(HR1500)[:5000])))
    assert caught.value.url == url  # type: ignore[attr-defined]


def test_congress_failed_requests_name_the_bill() -> None:
    congress = congress_spider(bills="117/hr/1")
    detail = "https://api.congress.gov/v3/bill/117/hr/1?format=json"
    actions = "https://api.congress.gov/v3/bill/117/hr/1/actions?format=json&limit=250"
    summaries = "https://api.congress.gov/v3/bill/117/hr/1/summaries?format=json&limit=250"
    hr1 = congress_parts("bill_117_hr_1_{}nock-2025-06-20.json").bill
    fetch = Fetch(BillId("117", "hr", "1"), BillParts(bill=hr1), detail, todo=["actions"])
    list(congress.on_failure(http_failure(actions, 500, fetch=fetch)))
    fetch.todo = ["summaries"]
    (bill,) = list(congress.on_failure(http_failure(summaries, 500, fetch=fetch)))
    assert isinstance(bill, DocumentRecord)
    assert bill.reference == "H.R. 1"  # stored from what arrived
    assert list(congress.on_failure(http_failure(detail, 503, listed=None))) == []
    assert congress.crawler.stats.get_value(ERROR_LINES_STAT) == [
        f"HttpError: us-congress-bills {actions}: H.R. 1 (117th): HTTP 500",
        f"HttpError: us-congress-bills {summaries}: H.R. 1 (117th): HTTP 500",
        f"HttpError: us-congress-bills {detail}: H.R. 1 (117th): HTTP 503",
    ]
