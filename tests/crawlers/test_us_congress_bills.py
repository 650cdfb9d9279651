# ruff: noqa: E501  (action texts are quoted verbatim from the recorded bodies)
"""us-congress-bills: parsers on the real recorded Congress.gov bodies, bad input derived from them."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from crawlers.errors import LayoutChanged, ParseError
from crawlers.spiders.us.action_codes import ACTION_CODES, ACTION_TYPES
from crawlers.spiders.us.bill_mapping import (
    BillId,
    BillParts,
    action_category,
    bill_id,
    bill_record,
    parse_bills_arg,
    parse_instant,
)
from crawlers.spiders.us.bill_vocab import ACTION_CATEGORIES, DECISIVE_WORDING, PLACEHOLDERS
from crawlers.spiders.us.congress_api import (
    PARTS,
    add_part,
    bill_url,
    first_run_floor,
    list_url,
    listed_on_or_after,
    next_page,
)
from crawlers.spiders.us.congress_bills import UsCongressBillsSpider
from crawlers.stages import STAGES
from models.documents import BillEvent, Change
from models.store import ensure_source, upsert_document

ROOT = Path(__file__).resolve().parents[2]
BODIES = ROOT / "cassettes" / "us-congress-bills" / "bodies"
SLUG = "us-congress-bills"
FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
HR1 = "bill_117_hr_1_{}nock-2025-06-20.json"
HR21 = "bill_117_hr_21_{}loc-sample.json"


def body(name: str) -> bytes:
    return (BODIES / name).read_bytes()


def body_data(raw: bytes, key: str) -> Any:
    data = json.loads(raw)
    assert key in data
    return data


def parts(pattern: str, subjects: bool = False) -> BillParts:
    """Detail + actions + summaries + text (+ subjects) of one recorded bill."""
    data = {
        part: body_data(body(pattern.format(part + "_")), key)
        for part, key in PARTS.items()
        if part != "subjects" or subjects
    }
    return BillParts(
        bill=body_data(body(pattern.format("")), "bill")["bill"],
        actions=data["actions"]["actions"],
        summaries=data["summaries"]["summaries"],
        text_versions=data["text"]["textVersions"],
    )


def record(bill_parts: BillParts) -> Any:
    return bill_record(
        bill_parts, source=SLUG, source_url="https://api.congress.gov/v3/bill/x", fetched_at=FETCHED
    )


@pytest.fixture(scope="module")
def hr1() -> Any:
    return record(parts(HR1))


@pytest.fixture(scope="module")
def hr21() -> Any:
    return record(parts(HR21))


# Every action on page 1 (of 4) of H.R. 1's actions, oldest first: (UTC time or date, chamber,
# category, text). Times are Washington time in the body: 23:05:36 EST is 04:05:36Z, which
# is also the roll call's own timestamp in the body.
HR1_EVENTS = [
    (
        "2021-03-03T16:33:20",
        "House",
        "",
        "POSTPONED PROCEEDINGS - At the conclusion of debate on the Lofgren amendment en bloc No. 4, the Chair put the question on agreeing to the amendment and by voice vote, announced that the ayes had prevailed. Mr. Gohmert demanded the yeas and nays and the Chair postponed further proceedings until a time to be announced.",
    ),
    (
        "2021-03-03T16:34:05",
        "House",
        "",
        "Pursuant to clause 1(c) of Rule XIX, further consideration of H.R. 1 was postponed.",
    ),
    (
        "2021-03-03T17:16:21",
        "House",
        "",
        "Pursuant to clause 1(c) of Rule XIX, the House resumed with further consideration of H.R. 1.",
    ),
    (
        "2021-03-03T17:16:22",
        "House",
        "",
        "Considered as unfinished business. (consideration: CR H1037-1038)",
    ),
    ("2021-03-03T18:52:11", "House", "", "The previous question was ordered pursuant to the rule."),
    (
        "2021-03-03T18:52:55",
        "House",
        "",
        "POSTPONED PROCEEDINGS - Pursuant to clause 1(c) of Rule 19, further consideration of H.R. 1 was postponed.",
    ),
    (
        "2021-03-03T23:15:46",
        "House",
        "",
        "Pursuant to clause 1(c) of Rule XIX, the House resumed with further consideration of H.R. 1.",
    ),
    (
        "2021-03-03T23:15:48",
        "House",
        "",
        "Considered as unfinished business. (consideration: CR H1039)",
    ),
    (
        "2021-03-03T23:16:28",
        "House",
        "",
        "Mr. Davis, Rodney moved to recommit to the Committee on House Administration. (text: CR H1039)",
    ),
    (
        "2021-03-03T23:16:45",
        "House",
        "",
        "The previous question on the motion to recommit was ordered pursuant to the rule.",
    ),
    (
        "2021-03-03T23:16:46",
        "House",
        "",
        "POSTPONED PROCEEDINGS - The Chair put the question on the motion to recommit and by voice vote, announced that the noes had prevailed. Mr. Rodney Davis (IL) demanded the yeas and nays and the Chair postponed further proceedings until a time to be announced.",
    ),
    (
        "2021-03-03T23:17:58",
        "House",
        "",
        "Pursuant to clause 1(c) of Rule XIX, further consideration of H.R. 1 was postponed.",
    ),
    (
        "2021-03-04T02:30:32",
        "House",
        "",
        "Pursuant to clause 1(c) of Rule XIX, the House resumed with further consideration of H.R. 1.",
    ),
    (
        "2021-03-04T02:30:33",
        "House",
        "",
        "Considered as unfinished business. (consideration: CR H1071-1072)",
    ),
    (
        "2021-03-04T03:20:54",
        "House",
        "",
        "On motion to recommit Failed by the Yeas and Nays: 210 - 219 (Roll no. 61).",
    ),
    (
        "2021-03-04T04:05:36",
        "House",
        "third_reading",
        "Passed/agreed to in House: On passage Passed by the Yeas and Nays: 220 - 210 (Roll no. 62).",
    ),
    (
        "2021-03-04T04:05:36",
        "House",
        "third_reading",
        "On passage Passed by the Yeas and Nays: 220 - 210 (Roll no. 62).",
    ),
    (
        "2021-03-04T04:05:39",
        "House",
        "",
        "Motion to reconsider laid on the table Agreed to without objection.",
    ),
    (
        "2021-03-04T04:05:48",
        "House",
        "",
        "The Clerk was authorized to correct section numbers, punctuation, and cross references, and to make other necessary technical and conforming corrections in the engrossment of H.R. 1.",
    ),
    ("2021-03-11", "Senate", "other_chamber", "Received in the Senate."),
]

HR21_EVENTS = [
    ("2021-01-04", "House", "introduced", "Introduced in House"),
    ("2021-01-04", "House", "introduced", "Introduced in House"),
    (
        "2021-01-04",
        "House",
        "committee",
        "Referred to the House Committee on Oversight and Reform.",
    ),
    (
        "2021-01-05T17:05:23",
        "House",
        "",
        "Mrs. Maloney, Carolyn B. moved to suspend the rules and pass the bill.",
    ),
    (
        "2021-01-05T17:05:38",
        "House",
        "",
        "Considered under suspension of the rules. (consideration: CR H58-62)",
    ),
    (
        "2021-01-05T17:05:39",
        "House",
        "",
        "DEBATE - The House proceeded with forty minutes of debate on H.R. 21.",
    ),
    (
        "2021-01-05T17:17:14",
        "House",
        "third_reading",
        "Passed/agreed to in House: On motion to suspend the rules and pass the bill Agreed to by voice vote.(text: CR H58-60)",
    ),
    (
        "2021-01-05T17:17:14",
        "House",
        "third_reading",
        "On motion to suspend the rules and pass the bill Agreed to by voice vote. (text: CR H58-60)",
    ),
    (
        "2021-01-05T17:17:16",
        "House",
        "",
        "Motion to reconsider laid on the table Agreed to without objection.",
    ),
    (
        "2021-01-06",
        "Senate",
        "other_chamber",
        "Received in the Senate and Read twice and referred to the Committee on Homeland Security and Governmental Affairs.",
    ),
]


def event_rows(events: list[Any]) -> list[tuple[str, str, str, str]]:
    """(UTC time, else date; chamber; category; text) per event, as the tables above."""
    return [
        (
            e.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            if e.occurred_at
            else e.occurred_on.isoformat(),
            e.chamber,
            e.stage_category,
            e.description,
        )
        for e in events
    ]


def test_hr1_identity(hr1: Any) -> None:
    assert (hr1.reference, hr1.external_id, hr1.session) == ("H.R. 1", "117-hr-1", "117")
    assert hr1.title == "For the People Act of 2021"
    assert hr1.url == "https://www.congress.gov/bill/117th-congress/house-bill/1"
    assert (hr1.source, hr1.jurisdiction, hr1.kind) == (SLUG, "us", "bill")
    assert hr1.sponsor == "Rep. Sarbanes, John P. [D-MD-3]"


def test_hr1_dates_are_utc(hr1: Any) -> None:
    assert hr1.published_on == date(2021, 1, 4)
    assert hr1.source_updated_at == datetime(2025, 6, 6, 14, 17, 56, tzinfo=UTC)
    assert hr1.fetched_at == FETCHED


def test_hr1_current_stage(hr1: Any) -> None:
    assert hr1.current_stage == "Received in the Senate."
    assert (hr1.stage_category, hr1.chamber) == ("other_chamber", "Senate")
    # fetched (FETCHED) after the 117th Congress ended: the bill lapsed with it
    assert (hr1.outcome, hr1.outcome_on) == ("lapsed", date(2023, 1, 3))
    assert hr1.status == "Lapsed — 117th Congress ended 2023-01-03"


def test_hr1_every_event(hr1: Any) -> None:
    assert event_rows(hr1.events) == HR1_EVENTS
    assert all(e.stage == e.description for e in hr1.events if len(e.description) <= 200)


def test_hr1_same_text_same_day_are_distinct_events(hr1: Any) -> None:
    resumed = [e for e in hr1.events if "the House resumed" in e.description]
    assert len(resumed) == 3
    assert len({e.stable_key() for e in hr1.events}) == len(hr1.events) == 20


def test_long_stage_is_clipped_to_its_column_but_described_in_full(hr1: Any) -> None:
    first = hr1.events[0]
    assert len(first.description) > 200
    assert len(first.stage) <= 200
    assert first.stage.endswith("…")
    assert first.description.startswith(first.stage[:-1])


def test_hr1_summary_is_latest_version_as_text(hr1: Any) -> None:
    assert hr1.summary.startswith("For the People Act of 2021\nThis bill addresses voter access")
    assert hr1.summary.endswith("to disclose 10 years of tax returns.")
    assert "<" not in hr1.summary
    assert "It also limits removing voters from voter rolls.\n" in hr1.summary  # "53" version


def test_hr1_text_versions_are_links(hr1: Any) -> None:
    texts = hr1.extra["texts"]
    assert len(texts) == 9
    assert texts[0] == {
        "title": "Received in Senate",
        "type": "Formatted Text",
        "date": "2021-03-11",
        "url": "https://www.congress.gov/117/bills/hr1/BILLS-117hr1rds.htm",
    }
    assert texts[-1]["title"] == "Introduced in House"
    assert texts[-1]["date"] == "2021-01-04"
    assert hr1.extra["policy_area"] == "Government Operations and Politics"


def test_hr1_subjects_from_their_own_body() -> None:
    subjects = body_data(body(HR1.format("subjects_")), "subjects")["subjects"]
    bill = record(
        BillParts(
            bill=body_data(body(HR1.format("")), "bill")["bill"],
            subjects=[s["name"] for s in subjects["legislativeSubjects"]],
        )
    )
    assert bill.extra["subjects"][:2] == [
        "Accounting and auditing",
        "Administrative law and regulatory procedures",
    ]
    assert len(bill.extra["subjects"]) == 19


def test_older_loc_sample_shape_is_tolerated(hr21: Any) -> None:
    """2022 sample: no originChamberCode, `committees: null`, `links`, `laws: []`, `total`."""
    assert (hr21.reference, hr21.title, hr21.session) == (
        "H.R. 21",
        "FedRAMP Authorization Act",
        "117",
    )
    assert hr21.sponsor == "Rep. Connolly, Gerald E. [D-VA-11]"
    assert hr21.published_on == date(2021, 1, 4)
    assert hr21.source_updated_at == datetime(2022, 3, 25, 1, 16, 59, tzinfo=UTC)
    assert hr21.current_stage == (
        "Received in the Senate and Read twice and referred to the "
        "Committee on Homeland Security and Governmental Affairs."
    )
    assert hr21.stage_category == "other_chamber"
    assert (hr21.outcome, hr21.status) == ("lapsed", "Lapsed — 117th Congress ended 2023-01-03")
    assert event_rows(hr21.events) == HR21_EVENTS
    assert [t["type"] for t in hr21.extra["texts"][:2]] == ["Generated HTML", "Formatted Text"]


def test_bill_from_list_entry_alone() -> None:
    """When the detail is unavailable the list entry still makes a bill (date-only updateDate)."""
    entry = body_data(body("bill_limit5_nock-2025-06-20.json"), "bills")["bills"][0]
    bill = record(BillParts(bill=entry))
    assert (bill.reference, bill.session, bill.chamber) == ("H.R. 2215", "119", "House")
    assert (
        bill.title == "Salem Maritime National Historical Park Redesignation and Boundary Study Act"
    )
    assert bill.current_stage == "Passed Senate without amendment by Voice Vote."
    assert bill.stage_category == "passed_both"  # passing the Senate, which is not its origin
    assert bill.source_updated_at == datetime(2025, 6, 20, 4, 0, tzinfo=UTC)  # midnight Washington
    assert (bill.published_on, bill.sponsor, bill.events) == (None, "", [])


def test_list_url_is_sent_with_a_literal_plus() -> None:
    since = datetime(2024, 1, 1, tzinfo=UTC)
    assert list_url(since) == (
        "https://api.congress.gov/v3/bill?format=json&sort=updateDate+desc"
        "&fromDateTime=2024-01-01T00:00:00Z&offset=0&limit=250"
    )
    assert list_url(None) == (
        "https://api.congress.gov/v3/bill?format=json&sort=updateDate+desc&offset=0&limit=250"
    )


def test_list_url_watermark_with_offset_is_given_in_utc() -> None:
    since = datetime.fromisoformat("2024-06-30T20:30:00-04:00")
    assert "&fromDateTime=2024-07-01T00:30:00Z&" in list_url(since)


def test_bill_urls() -> None:
    bid = bill_id({"congress": 117, "type": "HR", "number": "1"})
    assert bill_url(bid) == "https://api.congress.gov/v3/bill/117/hr/1?format=json"
    assert bill_url(bid, "actions") == (
        "https://api.congress.gov/v3/bill/117/hr/1/actions?format=json&limit=250"
    )


def test_recorded_pages_link_to_the_next_page() -> None:
    actions = body_data(body(HR1.format("actions_")), "actions")
    assert next_page(actions) == (
        "https://api.congress.gov/v3/bill/117/hr/1/actions?offset=20&limit=20&format=json"
    )
    assert next_page(body_data(body(HR1.format("summaries_")), "summaries")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-06T14:17:56Z", datetime(2025, 6, 6, 14, 17, 56, tzinfo=UTC)),
        ("2025-06-06T10:17:56-04:00", datetime(2025, 6, 6, 14, 17, 56, tzinfo=UTC)),
        ("2025-06-06T10:17:56", datetime(2025, 6, 6, 14, 17, 56, tzinfo=UTC)),  # naive: EDT
        ("2025-01-06T09:17:56", datetime(2025, 1, 6, 14, 17, 56, tzinfo=UTC)),  # naive: EST
        ("2024-01-08", datetime(2024, 1, 8, 5, 0, tzinfo=UTC)),
        ("", None),
    ],
)
def test_instants_with_offsets_and_without_zones(value: str, expected: datetime | None) -> None:
    assert parse_instant(value) == expected


DETAIL_URL = "https://api.congress.gov/v3/bill/117/hr/1?format=json"


def load(raw: bytes, key: str = "bill") -> Any:
    return spider().load(TextResponse(url=DETAIL_URL, body=raw), key)


def test_truncated_body_is_a_parse_error_naming_source_and_url() -> None:
    raw = body(HR1.format(""))
    with pytest.raises(ParseError) as caught:
        load(raw[: len(raw) // 2])
    assert (caught.value.source, caught.value.url) == (SLUG, DETAIL_URL)
    assert caught.value.cause.startswith("body is not JSON")


def test_html_where_json_was_expected() -> None:
    page = b"<html><body><h1>API rate limit exceeded</h1></body></html>"
    with pytest.raises(ParseError, match="body is not JSON"):
        load(page)


def test_layout_change_names_the_missing_key() -> None:
    data = json.loads(body(HR1.format("actions_")))
    data["items"] = data.pop("actions")
    with pytest.raises(LayoutChanged, match="missing key\\(s\\): actions"):
        load(json.dumps(data).encode(), "actions")


def test_missing_optional_fields_leave_them_empty() -> None:
    bill = json.loads(body(HR1.format("")))["bill"]
    for name in (
        "sponsors",
        "latestAction",
        "introducedDate",
        "policyArea",
        "updateDate",
        "updateDateIncludingText",
        "originChamber",
    ):
        del bill[name]
    thin = record(BillParts(bill=bill))
    assert (thin.reference, thin.title) == ("H.R. 1", "For the People Act of 2021")
    assert (thin.sponsor, thin.current_stage, thin.published_on, thin.source_updated_at) == (
        "",
        "",
        None,
        None,
    )
    assert thin.extra == {"texts": []}


def test_missing_bill_number_is_an_error() -> None:
    bill = json.loads(body(HR1.format("")))["bill"]
    del bill["number"]
    with pytest.raises(KeyError, match="number"):
        record(BillParts(bill=bill))


def test_history_that_shrinks_keeps_every_stored_event(session: Any, hr1: Any) -> None:
    """Stored on SQLite and PostgreSQL (stages over 200 characters would fail there), then
    re-read with the newest action gone: nothing is deleted, nothing is announced."""
    source = ensure_source(session, slug=SLUG, jurisdiction="us", kind="bills")
    upsert_document(session, source, hr1, FETCHED)
    session.commit()
    shrunk = copy.deepcopy(hr1)
    shrunk.events.pop()
    outcome = upsert_document(session, source, shrunk, FETCHED)
    session.commit()
    assert len(outcome.vanished_events) == 1
    assert outcome.new_events == 0
    stored = session.scalars(select(BillEvent).order_by(BillEvent.sequence)).all()
    assert [e.description for e in stored] == [e.description for e in hr1.events]
    assert session.scalar(select(func.count()).select_from(Change)) == 1  # the new document only


def test_a_new_action_is_one_new_event(session: Any, hr1: Any) -> None:
    source = ensure_source(session, slug=SLUG, jurisdiction="us", kind="bills")
    older = copy.deepcopy(hr1)
    older.events.pop()
    upsert_document(session, source, older, FETCHED)
    outcome = upsert_document(session, source, hr1, FETCHED)
    session.commit()
    assert outcome.new_events == 1
    kinds = session.scalars(select(Change.kind).order_by(Change.id)).all()
    assert kinds == ["new_document", "new_event"]


def test_bills_argument() -> None:
    assert parse_bills_arg(" 117/HR/1, 119/s/1748 ,") == [
        BillId("117", "hr", "1"),
        BillId("119", "s", "1748"),
    ]
    assert parse_bills_arg("") == []
    with pytest.raises(KeyError, match="unknown"):
        parse_bills_arg("117/bill/1")


def test_first_run_window_and_list_dates() -> None:
    entries = body_data(body("bill_limit5_nock-2025-06-20.json"), "bills")["bills"]
    floor = first_run_floor(entries)
    assert floor == datetime(2025, 6, 13, 4, 0, tzinfo=UTC)  # 7 days before 2025-06-20 (EDT)
    assert all(listed_on_or_after(entry, floor) for entry in entries)
    later = datetime.fromisoformat("2025-06-20T09:30:00-04:00")
    assert [listed_on_or_after(entry, later) for entry in entries] == [True] + [False] * 4
    assert listed_on_or_after(entries[1], None)


def test_parts_pages_accumulate() -> None:
    bill_parts = BillParts(bill={})
    actions = body_data(body(HR1.format("actions_")), "actions")["actions"]
    add_part(bill_parts, "actions", actions)
    add_part(bill_parts, "actions", actions[:2])  # a second page
    subjects = body_data(body(HR1.format("subjects_")), "subjects")["subjects"]
    add_part(bill_parts, "subjects", subjects)
    assert len(bill_parts.actions) == 22
    assert len(bill_parts.subjects) == 19


@pytest.mark.parametrize(
    ("text", "chamber", "origin", "category"),
    [
        ("Became Private Law No: 117-3.", "", "House", "assent"),
        ("Signed by President.", "", "Senate", "assent"),
        ("Vetoed by President.", "", "Senate", "vetoed"),
        ("Pocket Vetoed by President.", "", "House", "vetoed"),
        (
            "Failed of passage/not agreed to in House: On passage Failed by recorded vote.",
            "House",
            "House",
            "defeated",
        ),
        ("Presented to President.", "", "House", "presented"),
        ("House agreed to Senate amendment by voice vote.", "House", "House", "passed_both"),
        (
            # a concurrent resolution in its first chamber (S.Con.Res.)
            "Resolution agreed to in Senate without amendment by Unanimous Consent.",
            "Senate",
            "Senate",
            "third_reading",
        ),
        ("Passed Senate without amendment by Voice Vote.", "Senate", "House", "passed_both"),
        (
            "On motion to recommit Failed by the Yeas and Nays: 210 - 219 (Roll no. 61).",
            "House",
            "House",
            "",
        ),
        (
            "Mrs. Maloney, Carolyn B. moved to suspend the rules and pass the bill.",
            "House",
            "House",
            "",
        ),
        (
            "Placed on Senate Legislative Calendar under General Orders. Calendar No. 145.",
            "Senate",
            "Senate",
            "",
        ),
    ],
)
def test_action_wording_categories(text: str, chamber: str, origin: str, category: str) -> None:
    action = {"text": text, "sourceSystem": {"name": chamber}}
    kind = "sconres" if text.startswith("Resolution") else "hr" if origin == "House" else "s"
    assert action_category(action, origin, kind) == category


def spider(**kwargs: Any) -> UsCongressBillsSpider:
    crawler = get_crawler(UsCongressBillsSpider, {"CONGRESS_API_KEY": "FW-TEST-KEY"})
    created: UsCongressBillsSpider = crawler._create_spider(**kwargs)
    return created


async def first_requests(congress: UsCongressBillsSpider) -> list[Any]:
    return [request async for request in congress.start()]


def test_key_travels_in_a_header_never_in_the_url() -> None:
    congress = spider(since="2024-01-01T00:00:00+00:00")
    (request,) = asyncio.run(first_requests(congress))
    assert request.url == list_url(datetime(2024, 1, 1, tzinfo=UTC))
    assert request.headers["X-Api-Key"] == b"FW-TEST-KEY"
    assert "FW-TEST-KEY" not in request.url
    assert congress.settings.getfloat("DOWNLOAD_DELAY") == 3600 / 5000


def test_bills_argument_asks_for_details_only() -> None:
    requests = asyncio.run(first_requests(spider(bills="117/hr/1,117/hr/21")))
    assert [r.url for r in requests] == [
        "https://api.congress.gov/v3/bill/117/hr/1?format=json",
        "https://api.congress.gov/v3/bill/117/hr/21?format=json",
    ]


def test_records_carry_the_response_they_came_from() -> None:
    congress = spider(bills="117/hr/1")
    url = "https://api.congress.gov/v3/bill/117/hr/1?format=json"
    detail = TextResponse(url=url, body=body(HR1.format("")))
    fetch = next(iter(congress.parse_detail(detail, BillId("117", "hr", "1"), None))).cb_kwargs[
        "fetch"
    ]
    fetch.todo.clear()
    (bill,) = list(congress.next_part(fetch))
    assert (bill.source_url, bill.reference) == (url, "H.R. 1")


def test_every_category_is_in_the_common_vocabulary() -> None:
    worded = {category for _, category in (*DECISIVE_WORDING, *ACTION_CATEGORIES)}
    coded = {category for _, category in ACTION_CODES.values()}
    typed = {category for _, category in ACTION_TYPES.values()}
    used = (worded | coded | typed) - PLACEHOLDERS - {None}
    assert used | {"third_reading", "passed_both", "adopted"} <= set(STAGES)
