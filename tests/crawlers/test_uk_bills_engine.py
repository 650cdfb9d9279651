"""uk-bills through the real Scrapy engine, replaying the project's cassette (real bodies)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crawlers.spiders.uk.bill_publications import parse_publications
from crawlers.spiders.uk.bills_api import API, bill_record, list_url
from models import BillEvent, Change, Document, Source
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_body,
    edit_index,
    edit_json,
    last_run,
    row_counts,
    source,
    stored_documents,
)

SLUG = "uk-bills"
FIRST_PAGE = list_url(0)
DETAIL_2818 = f"{API}/2818"
STAGES_2818 = f"{API}/2818/Stages"
BODIES = CASSETTES / SLUG / "bodies"
PUBLICATIONS_512 = ROOT / "tests/fixtures/real/uk-publications/bill-512_publications_snommoc.json"
NAMED_2818 = 'bill 2818 "Abolition of Business Rates Bill"'


def real(name: str) -> Any:
    return json.loads((BODIES / name).read_bytes())


def listed(bill_id: int) -> dict[str, Any]:
    entry: dict[str, Any] = next(
        b for b in real("bills_page1_snommoc.json")["items"] if b["billId"] == bill_id
    )
    return entry


def document(engine: Engine, external_id: str) -> Document:
    with Session(engine) as session:
        found = session.scalars(select(Document).where(Document.external_id == external_id))
        doc = found.one()
        session.expunge(doc)
        return doc


def events(engine: Engine, external_id: str) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        query = select(BillEvent).join(Document).where(Document.external_id == external_id)
        rows = session.scalars(query.order_by(BillEvent.sequence))
        return [(e.stage, e.stage_category, e.chamber, e.occurred_on, e.key) for e in rows]


def clear_watermark(engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(update(Source).where(Source.slug == SLUG).values(watermark=None))
        session.commit()


def test_bill_2818_is_stored_with_its_detail_and_history(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES, SLUG)
    bill = document(engine, "2818")
    assert (bill.title, bill.url) == (
        "Abolition of Business Rates Bill",
        "https://bills.parliament.uk/bills/2818",
    )
    assert bill.summary == "A Bill to abolish business rates; and for connected purposes."
    assert (bill.sponsor, bill.chamber, bill.reference) == ("Kevin Hollinrake", "Commons", "")
    assert (bill.current_stage, bill.stage_category) == ("2nd reading", "second_reading")
    assert (bill.session, bill.outcome, bill.outcome_on, bill.status) == (
        "session 35",
        "active",
        None,
        "2nd reading (Commons)",
    )
    assert [t["type"] for t in bill.titles] == ["Short title", "Long title"]
    # 1st reading sat; 2nd reading has no sitting yet, so it is the current stage, not an event.
    assert events(engine, "2818") == [
        ("1st reading", "first_reading", "Commons", date(2021, 1, 12), "sitting:11498")
    ]


def test_other_bills_are_stored_from_the_list_when_detail_is_a_declared_gap(
    engine: Engine, db_url: str
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    run = last_run(engine, SLUG)
    assert (run.status, run.error_count, run.replay_misses) == ("ok", 0, 0)
    assert run.stats["replay/gap"] == 19 * 2 + 1 + 20  # 19 details, 19 stages, Skip=20, 20 pubs
    assert row_counts(engine)["documents"] == 20
    act = document(engine, "642")  # an Act in the list: Royal Assent, sat in "Unassigned"
    assert (act.current_stage, act.stage_category, act.status, act.sponsor) == (
        "Royal Assent",
        "assent",
        "Royal Assent 2010-07-27",
        "",
    )
    assert (act.outcome, act.outcome_on) == ("enacted", date(2010, 7, 27))
    assert [e[1] for e in events(engine, "642")] == ["assent"]


def test_replaying_again_adds_nothing_and_the_watermark_stops_paging(
    engine: Engine, db_url: str
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    first = last_run(engine, SLUG)
    counts = row_counts(engine)
    crawl(db_url, CASSETTES, SLUG)
    second = last_run(engine, SLUG)
    assert (first.requests, second.requests) == (1 + 1 + 20 * 3, 1)  # pages, details, stages, pubs
    assert second.status == "ok"
    clear_watermark(engine)
    crawl(db_url, CASSETTES, SLUG)  # every bill fetched and stored again: still nothing new
    assert last_run(engine, SLUG).requests == first.requests
    assert row_counts(engine) == counts


def with_second_reading(stages: dict[str, Any]) -> dict[str, Any]:
    """The real stages body, after the Commons 2nd reading sat (a sitting like the 1st's)."""
    sitting = copy.deepcopy(stages["items"][0]["stageSittings"][0])
    sitting.update(id=99001, stageId=7, billStageId=12655, date="2021-06-18T00:00:00")
    stages["items"][1]["stageSittings"] = [sitting]
    return stages


def touched(bills: dict[str, Any]) -> dict[str, Any]:
    """The real list page with bill 2818 updated after the watermark (as a sitting updates it)."""
    for bill in bills["items"]:
        if bill["billId"] == 2818:
            bill["lastUpdate"] = "2025-01-01T09:00:00.0000000"
    return bills


def test_a_new_sitting_adds_exactly_one_event_and_one_change(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    before = row_counts(engine)
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, STAGES_2818, edit_json(with_second_reading))
    edit_body(cassette, FIRST_PAGE, edit_json(touched))
    crawl(db_url, cassette, SLUG)
    after = row_counts(engine)
    # The current stage text was already "2nd reading": content is unchanged, so no version.
    assert {k: after[k] - before[k] for k in after} == {
        "documents": 0,
        "events": 1,
        "versions": 0,
        "changes": 1,
    }
    with Session(engine) as session:
        change = session.scalars(select(Change).order_by(Change.id.desc())).first()
        assert change is not None
        assert change.kind == "new_event"
    assert events(engine, "2818")[-1][:4] == (
        "2nd reading",
        "second_reading",
        "Commons",
        date(2021, 6, 18),
    )
    assert last_run(engine, SLUG).events_new == 1


def truncated(body: bytes) -> bytes:
    return body[: len(body) // 2]


def items_as_list(bills: dict[str, Any]) -> Any:
    return bills["items"]


def without_items(bills: dict[str, Any]) -> dict[str, Any]:
    del bills["items"]
    return bills


def without_short_title(bills: dict[str, Any]) -> dict[str, Any]:
    del bills["items"][0]["shortTitle"]
    return touched(bills)  # changed after the watermark, so it is read again


def as_server_error(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(line, status=500) if line["url"] == FIRST_PAGE else line for line in lines]


def without_first_page(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["url"] != FIRST_PAGE]


BAD_BODIES = {
    "truncated": (truncated, "body is not JSON"),
    "list instead of object": (edit_json(items_as_list), "expected a JSON object, got list"),
    "items missing": (edit_json(without_items), "missing key(s): items"),
    "shortTitle deleted": (edit_json(without_short_title), "KeyError: 'shortTitle'"),
}
BAD_INDEXES = {
    "HTTP 500": (as_server_error, "HTTP 500"),
    "replay miss": (without_first_page, "replay miss"),
}


def assert_bad_run(engine: Engine, stored: list[tuple[Any, ...]], cause: str) -> None:
    run = last_run(engine, SLUG)
    assert run.error_count >= 1
    assert run.status in {"errors", "failed"}
    assert any(SLUG in line and API in line and cause in line for line in run.errors), run.errors
    if cause.startswith("KeyError"):  # a dropped entry names the bill it could read
        assert any("bill 2818 (no title)" in line for line in run.errors), run.errors
    assert stored_documents(engine) == stored
    assert "error(s)" in source(engine, SLUG).health_reason


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_list_body_is_a_counted_error_and_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path, case: str
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    stored, watermark = stored_documents(engine), source(engine, SLUG).watermark
    cassette = copy_cassette(tmp_path, SLUG)
    edit, cause = BAD_BODIES[case]
    edit_body(cassette, FIRST_PAGE, edit)
    crawl(db_url, cassette, SLUG)
    assert_bad_run(engine, stored, cause)
    assert source(engine, SLUG).watermark == watermark  # an errored run never moves it


@pytest.mark.parametrize("case", sorted(BAD_INDEXES))
def test_an_error_status_or_a_replay_miss_is_a_counted_error_and_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path, case: str
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    stored = stored_documents(engine)
    cassette = copy_cassette(tmp_path, SLUG)
    edit, cause = BAD_INDEXES[case]
    edit_index(cassette, edit)
    crawl(db_url, cassette, SLUG)
    assert_bad_run(engine, stored, cause)
    assert (last_run(engine, SLUG).replay_misses == 1) == (case == "replay miss")


def test_a_broken_stages_body_keeps_the_bill_from_list_data(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, STAGES_2818, truncated)
    crawl(db_url, cassette, SLUG)
    run = last_run(engine, SLUG)
    assert run.error_count == 1
    assert STAGES_2818 in run.errors[0]
    assert NAMED_2818 in run.errors[0]
    assert document(engine, "2818").sponsor == "Kevin Hollinrake"  # the detail still arrived
    assert source(engine, SLUG).watermark is None


def test_zero_items_after_a_run_with_items_is_marked_empty(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    crawl(db_url, CASSETTES, SLUG)
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, FIRST_PAGE, edit_json(lambda bills: dict(bills, items=[])))
    crawl(db_url, cassette, SLUG)
    assert (last_run(engine, SLUG).status, last_run(engine, SLUG).error_count) == ("empty", 0)
    assert "empty" in source(engine, SLUG).health_reason


def test_the_cassette_index_is_valid_json_lines() -> None:
    text = (CASSETTES / SLUG / "index.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["recorded_url"] == "https://bills-api.parliament.uk/api/v1/Bills"
    assert sum(1 for line in lines if "gap" in line) == 19 * 2 + 1 + 20


def with_real_publications(
    cassette: Path,
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Serve the only real publications body (bill 512's) where 2818's was never recorded."""
    real = ROOT / "tests/fixtures/real/uk-publications/bill-512_publications_snommoc.json"
    (cassette / "bodies" / "derived-publications.json").write_bytes(real.read_bytes())

    def edit(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for line in lines:
            if line["url"] == f"{API}/2818/Publications":
                line.pop("gap")
                line.update(status=200, headers={}, body="bodies/derived-publications.json")
        return lines

    return edit


def test_publications_become_links_on_the_bill(engine: Engine, db_url: str, tmp_path: Path) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    edit_index(cassette, with_real_publications(cassette))
    crawl(db_url, cassette, SLUG)
    publications = document(engine, "2818").extra["publications"]
    assert len(publications) == 41
    assert publications[0] == {
        "title": "Constitutional Reform and Governance Act 2010 c.25",
        "type": "Act of Parliament",
        "date": "2010-04-12",
        "house": "Commons",
        "links": [
            {
                "url": "http://www.opsi.gov.uk/acts/acts2010/pdf/ukpga_20100025_en.pdf",
                "content_type": "application/pdf",
            },
            {
                "url": "http://www.opsi.gov.uk/acts/acts2010/ukpga_20100025_en_1",
                "content_type": "text/html",
            },
        ],
    }
    assert document(engine, "2302").extra["publications"] == []  # a declared gap: no links
    assert document(engine, "2818").reference == "Bill 106"


# Record-level tests on the real bodies (list page 1, bill 2818 detail and stages, bill 512
# publications); SYNTHETIC edits are labelled where a case the bodies lack is built.


def bill_2818(**edits: Any) -> dict[str, Any]:
    return dict(listed(2818), **edits)


def test_identity_titles_and_status_of_bill_2818() -> None:
    detail = real("bill-2818_EDITED_snommoc.json")
    stages = real("bill-2818_stages_snommoc.json")["items"]
    record = bill_record(bill_2818(), detail, stages, source_url=STAGES_2818)
    # No recorded body names UK sessions: the API's id is shown as such, never guessed.
    assert (record.session, record.extra["session_ids"]) == ("session 35", [35])
    assert record.reference == ""  # 2818's publications were never recorded
    assert record.title == "Abolition of Business Rates Bill"
    assert record.titles == [
        {"type": "Short title", "title": "Abolition of Business Rates Bill", "language": "en"},
        {
            "type": "Long title",
            "title": "A Bill to abolish business rates; and for connected purposes.",
            "language": "en",
        },
    ]
    assert (record.outcome, record.outcome_on, record.status) == (
        "active",
        None,
        "2nd reading (Commons)",
    )
    assert [(e.stage_category, e.unmapped) for e in record.events] == [("first_reading", False)]


def test_without_the_detail_only_the_short_title_is_known() -> None:
    record = bill_record(listed(3554), None, None, source_url=FIRST_PAGE)
    assert [t["type"] for t in record.titles] == ["Short title"]
    assert (record.session, record.status) == ("session 38", "1st reading (Lords)")


@pytest.mark.parametrize(("bill_id", "on"), [(642, date(2010, 7, 27)), (1632, date(2016, 3, 23))])
def test_acts_in_the_real_list_are_enacted_on_their_assent_day(bill_id: int, on: date) -> None:
    record = bill_record(listed(bill_id), None, None, source_url=FIRST_PAGE)
    assert (record.outcome, record.outcome_on) == ("enacted", on)
    assert record.status == f"Royal Assent {on.isoformat()}"
    assert record.stage_category == "assent"


def test_no_bill_in_the_real_list_is_called_lapsed() -> None:
    """Bills of sessions long over (e.g. session 20) carry no flag saying they fell: active."""
    bills = real("bills_page1_snommoc.json")["items"]
    outcomes = {b["billId"]: bill_record(b, None, None, source_url="").outcome for b in bills}
    assert {k for k, v in outcomes.items() if v == "enacted"} == {642, 1632}
    assert set(outcomes.values()) == {"enacted", "active"}


def test_withdrawn_and_defeated_flags() -> None:
    # SYNTHETIC: the real 2818 entry with the API's withdrawal date / defeat flag set.
    withdrawn = bill_record(
        bill_2818(billWithdrawn="2024-01-02T00:00:00"), None, None, source_url=""
    )
    assert (withdrawn.outcome, withdrawn.outcome_on, withdrawn.status) == (
        "withdrawn",
        date(2024, 1, 2),
        "Withdrawn 2024-01-02",
    )
    defeated = bill_record(bill_2818(isDefeated=True), None, None, source_url="")
    assert (defeated.outcome, defeated.outcome_on, defeated.status) == (
        "defeated",
        None,
        "Defeated at 2nd reading (Commons)",
    )


def test_the_second_house_and_unknown_stages() -> None:
    stages = real("bill-2818_stages_snommoc.json")["items"]
    # SYNTHETIC: 2818's real stages as if it had reached the Lords: 1R there, then 3R there,
    # then a stage no map knows.
    arrived = copy.deepcopy(stages[0])
    arrived.update(house="Lords", sortOrder=3)
    passed = copy.deepcopy(stages[0])
    passed.update(house="Lords", description="3rd reading", abbreviation="3R", sortOrder=4)
    odd = copy.deepcopy(stages[0])
    odd.update(description="Carry-over motion", abbreviation="", sortOrder=5)
    for number, stage in enumerate([arrived, passed, odd], start=1):
        stage["stageSittings"][0].update(id=99000 + number, date=f"2021-0{number + 2}-01T00:00:00")
    record = bill_record(bill_2818(), None, [*stages, arrived, passed, odd], source_url="")
    assert [(e.stage, e.chamber, e.stage_category, e.unmapped) for e in record.events] == [
        ("1st reading", "Commons", "first_reading", False),
        ("1st reading", "Lords", "other_chamber", False),
        ("3rd reading", "Lords", "passed_both", False),
        ("Carry-over motion", "Commons", "", True),
    ]


def test_reference_is_the_number_cited_in_the_house_the_bill_sits_in() -> None:
    publications = parse_publications(json.loads(PUBLICATIONS_512.read_bytes()))
    commons = bill_record(bill_2818(), None, None, source_url="", publications=publications)
    assert commons.reference == "Bill 106"  # 2818 sits in the Commons, where it started
    assert commons.extra["bill_numbers"] == {"Commons": "Bill 106", "Lords": "HL Bill 40"}
    # SYNTHETIC: the same prints for a bill now in the Lords; then one with no House given
    # that started in the Lords.
    in_lords = bill_2818(currentHouse="Lords")
    lords = bill_record(in_lords, None, None, source_url="", publications=publications)
    assert lords.reference == "HL Bill 40"
    started = bill_2818(currentHouse="", originatingHouse="Lords")
    assert bill_record(started, None, None, source_url="", publications=publications).reference == (
        "HL Bill 40"
    )


def broken_detail(body: bytes) -> bytes:
    """SYNTHETIC: the real detail cut in half (not JSON)."""
    return body[: len(body) // 2]


def detail_as_server_error(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(line, status=503) if line["url"] == DETAIL_2818 else line for line in lines]


def test_a_failed_detail_names_the_bill_and_the_url(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, DETAIL_2818, broken_detail)
    crawl(db_url, cassette, SLUG)
    (line,) = last_run(engine, SLUG).errors
    assert f"{SLUG} {DETAIL_2818}: {NAMED_2818}: body is not JSON" in line
    assert document(engine, "2818").titles[0]["type"] == "Short title"  # stored from the list

    cassette = copy_cassette(tmp_path / "again", SLUG)
    edit_index(cassette, detail_as_server_error)
    crawl(db_url, cassette, SLUG)
    (line,) = last_run(engine, SLUG).errors
    assert f"{SLUG} {DETAIL_2818}: {NAMED_2818}: HTTP 503" in line
