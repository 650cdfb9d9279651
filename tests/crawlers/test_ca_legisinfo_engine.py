"""ca-legisinfo-bills through the real Scrapy engine, replaying the project's cassette.

Crawls run in a subprocess (tests.crawlers.replay_crawl). Where a case needs a changed cassette
it is copied to tmp_path and the change, derived from the real body, is stated there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from crawlers.spiders.ca.legisinfo_bills import json_url, list_url
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_body,
    edit_json,
    last_run,
    row_counts,
    stored_documents,
)

SLUG = "ca-legisinfo-bills"
CASSETTE = CASSETTES / SLUG
RECORDED = ["45-1/S-209", "45-1/C-22", "44-1/C-63"]
S209_JSON = json_url("45-1", "S-209")


def html_page(real: bytes) -> bytes:
    """LEGISinfo's redirect target: an HTML page, here built around the real body's start."""
    return b"<!DOCTYPE html>\n<html><body><pre>" + real[:300] + b"</pre></body></html>"


def external_ids(engine: Engine) -> list[str]:
    return [row[0] for row in stored_documents(engine)]


def test_replay_stores_the_recorded_bills_and_is_idempotent(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTE, SLUG)
    # C-63's JSON is a declared gap: it can only have come through the XML form
    assert sorted(external_ids(engine)) == sorted(RECORDED)
    run = last_run(engine, SLUG)
    assert (run.error_count, run.replay_misses, run.requests) == (0, 0, 325)
    assert run.stats["replay/gap"] == 321  # 160 listed bills x (JSON, XML) + C-63's JSON
    before = row_counts(engine)
    assert (before["documents"], before["events"]) == (3, 3 + 24 + 9)  # C-63, S-209, C-22 events
    crawl(db_url, CASSETTE, SLUG)
    assert row_counts(engine) == before


def test_watermark_limits_the_detail_requests(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTE, SLUG)
    crawl(db_url, CASSETTE, SLUG)
    # watermark = S-209's 2026-04-30T18:24:13Z; 26 listed bills are no older than a day before
    # it: S-209 (JSON body) + 25 without bodies (JSON + XML gaps) + the list + C-63 (JSON, XML)
    assert last_run(engine, SLUG).requests == 1 + 1 + 25 * 2 + 2


def test_html_instead_of_json_is_reported_and_the_xml_form_used(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, S209_JSON, html_page)
    crawl(db_url, cassette, SLUG)
    # S-209's JSON is now an HTML page: stored all the same, so from its XML form
    assert sorted(external_ids(engine)) == sorted(RECORDED)
    run = last_run(engine, SLUG)
    assert run.error_count == 1
    assert run.errors == [
        f"ParseError: {SLUG} {S209_JSON}: bill 45-1/S-209: HTML page where JSON was expected"
    ]


def test_list_answered_with_html_keeps_what_is_stored(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    crawl(db_url, CASSETTE, SLUG)
    before = (row_counts(engine), stored_documents(engine))
    cassette = copy_cassette(tmp_path, SLUG)
    edit_body(cassette, list_url("45-1"), html_page)
    crawl(db_url, cassette, SLUG)
    run = last_run(engine, SLUG)
    assert run.errors == [
        f"ParseError: {SLUG} {list_url('45-1')}: HTML page where JSON was expected"
    ]
    assert (row_counts(engine), stored_documents(engine)) == before


def test_a_new_stage_event_adds_one_event_and_one_change(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    crawl(db_url, CASSETTE, SLUG)
    before = row_counts(engine)
    cassette = copy_cassette(tmp_path, SLUG)

    def house_second_reading(bill: dict[str, Any]) -> dict[str, Any]:
        """S-209 passes second reading in the House: the Senate's own event, moved and dated."""
        senate = bill["BillStages"]["SenateBillStages"][1]["SignificantEvents"][0]
        moved = {**senate, "EventDateTime": "2026-05-20T15:00:00"}
        bill["BillStages"]["HouseBillStages"][1]["SignificantEvents"].append(moved)
        return bill

    edit_body(cassette, S209_JSON, edit_json(house_second_reading))
    crawl(db_url, cassette, SLUG)
    after = row_counts(engine)
    assert after["events"] == before["events"] + 1
    assert after["changes"] == before["changes"] + 1
    assert (after["documents"], after["versions"]) == (before["documents"], before["versions"])
