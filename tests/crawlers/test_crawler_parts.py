"""The crawler's small parts: stage map, cassette URLs and loading, Retry-After, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawlers.errors import ParseError, error_count
from crawlers.extensions import verdict
from crawlers.middlewares.replay import RecordMiddleware, canonical, load_exchanges
from crawlers.middlewares.retry_after import RetryAfterMiddleware, retry_after_seconds
from crawlers.pipelines import ValidatePipeline
from crawlers.spider_base.source import ENTRIES_SEEN_STAT
from crawlers.spiders.uk.bill_stages import UK_NO_CATEGORY, uk_stage, uk_stage_category
from crawlers.spiders.uk.bills_api import UkBillsSpider, bill_record, list_url
from models.sources import CrawlRun
from models.text import fold
from models.vocabulary import STAGES
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import CASSETTES

REAL_STAGES = CASSETTES / "uk-bills" / "bodies" / "bill-2818_stages_snommoc.json"
# The real GET /api/v1/Stages page 1 (20 of the API's 48 stages): see PROVENANCE.md there.
UK_STAGE_LIST = ROOT / "tests/fixtures/real/uk-stages/stages_page1_snommoc.json"


@pytest.mark.parametrize(
    ("said", "category"),
    [
        (("1st reading", "1R"), "first_reading"),
        (("2nd reading", ""), "second_reading"),
        (("", "2R"), "second_reading"),
        (("Committee stage", "CS"), "committee"),
        (("Report stage", "RS"), "report"),
        (("3rd reading", "3R"), "third_reading"),
        (("Consideration of amendments", "CoA"), "amendments"),
        (("Consideration of Lords amendments", ""), "amendments"),
        (("Royal Assent", "RA"), "assent"),
        (("Carry-over motion", ""), ""),
    ],
)
def test_uk_stages_map_to_the_common_vocabulary(said: tuple[str, str], category: str) -> None:
    assert uk_stage_category(*said) == category
    assert category == "" or category in STAGES


@pytest.mark.parametrize(
    ("said", "house", "category"),
    [
        ("1st reading", "Commons", "first_reading"),
        ("1st reading", "Lords", "other_chamber"),  # arriving in the second House
        ("2nd reading", "Lords", "second_reading"),  # its readings keep their category
        ("Committee stage", "Lords", "committee"),
        ("3rd reading", "Commons", "third_reading"),
        ("3rd reading", "Lords", "passed_both"),  # the second House passing it
        ("Consideration of Lords amendments", "Commons", "amendments"),
        ("Royal Assent", "Unassigned", "assent"),
    ],
)
def test_uk_second_house_rule_for_a_commons_bill(said: str, house: str, category: str) -> None:
    assert uk_stage(said, "", house, "Commons") == (category, False)


def test_uk_second_house_rule_for_a_lords_bill() -> None:
    assert uk_stage("1st reading", "1R", "Commons", "Lords") == ("other_chamber", False)
    assert uk_stage("3rd reading", "3R", "Lords", "Lords") == ("third_reading", False)
    assert uk_stage("1st reading", "1R", "Commons", "") == ("first_reading", False)  # unknown


def test_uk_unknown_stages_are_unmapped_and_known_motions_are_not() -> None:
    assert uk_stage("Carry-over motion", "", "Commons", "Commons") == ("", True)
    assert uk_stage("Money resolution", "", "Commons", "Commons") == ("", False)


def test_every_stage_the_bills_api_lists_is_mapped_or_deliberately_none() -> None:
    """The real GET /api/v1/Stages page 1: each name has a category or is a known non-stage."""
    stages = json.loads(UK_STAGE_LIST.read_bytes())["items"]
    assert len(stages) == 20
    results = {s["name"]: uk_stage(s["name"], "", s["house"], s["house"]) for s in stages}
    assert [name for name, (_, unmapped) in results.items() if unmapped] == []
    none = {name for name, (category, _) in results.items() if not category}
    assert {fold(name) for name in none} <= UK_NO_CATEGORY
    assert {category for category, _ in results.values() if category} <= set(STAGES)
    assert results["Consideration of Lords amendments"] == ("amendments", False)
    assert results["Committee of the whole House"] == ("committee", False)
    assert len(none) == 10  # motions, resolutions and the English-votes consent steps


def test_the_real_stage_descriptions_are_all_known() -> None:
    stages = json.loads(REAL_STAGES.read_bytes())["items"]
    assert [uk_stage_category(s["description"], s["abbreviation"]) for s in stages] == [
        "first_reading",
        "second_reading",
    ]


def test_canonical_urls_drop_api_keys_and_ignore_parameter_order() -> None:
    with_key = "https://api.example.gov/v1/bill?b=2&api_key=SECRET&a=1"
    assert canonical(with_key) == canonical("https://api.example.gov/v1/bill?a=1&b=2")
    assert "SECRET" not in canonical(with_key)


def test_a_parent_folder_merges_every_cassette_in_it() -> None:
    merged = load_exchanges(CASSETTES)
    assert merged.get(list_url(0)) is not None
    assert load_exchanges(CASSETTES / "uk-bills").urls() <= merged.urls()
    found = merged.get(list_url(20))
    assert found is not None
    assert found.gap.startswith("not recorded")


def test_a_url_is_found_as_sent_or_canonically_but_never_with_its_api_key() -> None:
    exchanges = load_exchanges(CASSETTES / "uk-bills")
    url = list_url(0)
    assert exchanges.get(url) is not None
    base, _, query = url.partition("?")
    reordered = f"{base}?api_key=SECRET&" + "&".join(reversed(query.split("&")))
    assert exchanges.get(reordered) is exchanges.get(url)
    assert exchanges.get(f"{base}?Skip=999999") is None


def test_recording_keeps_the_body_and_drops_secrets(tmp_path: Path) -> None:
    body = REAL_STAGES.read_bytes()
    request = Request("https://bills-api.parliament.uk/api/v1/Bills/2818/Stages?api_key=SECRET")
    headers = {"Content-Type": "application/json", "Set-Cookie": "session=1"}
    response = Response(request.url, body=body, headers=headers, request=request)
    RecordMiddleware(tmp_path).process_response(request, response)
    (line,) = [json.loads(text) for text in (tmp_path / "index.jsonl").read_text().splitlines()]
    assert "SECRET" not in json.dumps(line)
    assert "set-cookie" not in line["headers"]
    assert (tmp_path / line["body"]).read_bytes() == body


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds(format_datetime(datetime(2026, 1, 1, 0, 1, tzinfo=UTC)), now) == 60.0
    assert retry_after_seconds("soon", now) is None


def test_retry_after_holds_back_only_that_domain() -> None:
    middleware = RetryAfterMiddleware(get_crawler(UkBillsSpider), cap_s=30.0)
    request = Request("https://bills-api.parliament.uk/api/v1/Bills")
    throttled = Response(request.url, status=429, headers={"Retry-After": "20"}, request=request)
    assert middleware.process_response(request, throttled) is throttled
    wait = middleware.not_before["bills-api.parliament.uk"] - datetime.now(UTC).timestamp()
    assert 15.0 < wait <= 20.0
    assert "www.gov.uk" not in middleware.not_before


def test_a_source_error_names_source_url_and_cause() -> None:
    error = ParseError("uk-bills", "https://bills-api.parliament.uk/api/v1/Bills", "not JSON")
    assert str(error) == "uk-bills https://bills-api.parliament.uk/api/v1/Bills: not JSON"


def test_validation_drops_a_record_without_a_title_and_counts_the_error() -> None:
    bills = json.loads(
        (CASSETTES / "uk-bills" / "bodies" / "bills_page1_snommoc.json").read_bytes()
    )
    record = bill_record(bills["items"][0], None, None, source_url=list_url(0))
    record.title = " "
    crawler = get_crawler(UkBillsSpider)
    crawler.spider = UkBillsSpider()
    crawler.stats.open_spider()
    with pytest.raises(
        DropItem, match=r"uk-bills https://bills-api\S+: required field\(s\) empty: title"
    ):
        ValidatePipeline(crawler).process_item(record)
    assert error_count(crawler) == 1


def test_errors_and_nothing_stored_fail_the_run_even_when_entries_were_listed() -> None:
    # Before: 40 entries listed made the run "errors" and the source "degraded", then "healthy"
    # by error rate (fivewatch.health_policy) though not one record was kept.
    run = CrawlRun(id=7, items_scraped=0, error_count=3, stats={ENTRIES_SEEN_STAT: 40})
    judged = verdict(run, None, may_be_empty=False)
    assert judged.status == "failed"
    assert judged.reason == "3 error(s) and 40 entries listed, none stored"


def test_a_run_stopped_before_its_end_is_stopped() -> None:
    run = CrawlRun(id=8, items_scraped=12, error_count=0, stats={})
    judged = verdict(run, None, may_be_empty=False, reason="shutdown")
    assert judged.status == "stopped"
    assert verdict(run, None, may_be_empty=False).status == "ok"
