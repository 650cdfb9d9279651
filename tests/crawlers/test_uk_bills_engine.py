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

from crawlers.spiders.uk_bills import API, list_url
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
STAGES_2818 = f"{API}/2818/Stages"


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
        "act",
        "",
    )
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
    assert stored_documents(engine) == stored
    assert source(engine, SLUG).health in {"degraded", "failing"}


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
    health = source(engine, SLUG)
    assert health.health == "degraded"
    assert "empty" in health.health_reason


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
