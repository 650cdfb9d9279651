"""bench/ingest_bench.py at a tiny size: its JSON line comes out and its counts are right."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import ingest_bench
from crawlers.spiders.uk.bills_api import API, PAGE_SIZE
from crawlers.spiders.us.bill_mapping import bill_id
from crawlers.spiders.us.billstatus_xml import parse_billstatus

BILLS = 60  # 56 US bills (a session's proportion) and 4 others
SAME_INSTANT = 20  # SYNTHETIC statements published at one instant


def test_a_tiny_run_stores_every_cloned_bill_and_ends_with_the_json_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ingest_bench.main(["--bills", str(BILLS), "--same-instant", str(SAME_INSTANT)])
    lines = capsys.readouterr().out.splitlines()
    figures = json.loads(lines[-1])
    us, others = ingest_bench.backlog_split(BILLS)
    records = ingest_bench.expected_records(
        ingest_bench.cloned_bills(others), ingest_bench.us_clones(us)
    )
    unique_events = sum(len({event.stable_key() for event in r.events}) for r in records)
    assert (figures["us_bills"], figures["other_bills"]) == (us, others) == (56, 4)
    assert figures["bills"] == figures["documents"] == BILLS
    assert figures["events"] == unique_events
    assert figures["versions"] == figures["changes"] == BILLS
    sitemaps = len(
        ingest_bench._index_sitemaps()
    )  # the real index: 4 derived urlsets, the rest gaps
    assert figures["exchanges"] == math.ceil(others / PAGE_SIZE) + 3 * others + 1 + sitemaps + us
    assert figures["baseline_rows"] == 3 * BILLS + sum(len(r.events) for r in records)
    assert figures["bills_per_s"] > 0
    assert figures["one_process_bills_per_s"] > 0  # its rows are asserted equal to the jobs run's
    assert figures["ratio_vs_row_by_row"] > 0
    assert figures["store_only_bills_per_s"] > 0  # its rows are asserted equal to the baseline's
    assert any(line.startswith("target (< 60 s): ") for line in lines)
    assert figures["same_instant_entries"] == SAME_INSTANT  # all stored (the bench asserts it)
    assert figures["same_instant_entries_per_s"] > 0


def test_uk_clones_keep_the_real_entries_but_never_share_an_id() -> None:
    real = json.loads(ingest_bench.LIST_BODY.read_text(encoding="utf-8"))["items"]
    bills = ingest_bench.cloned_bills(BILLS)
    assert len({bill["billId"] for bill in bills}) == BILLS
    assert bills[len(real)]["lastUpdate"] == real[0]["lastUpdate"]
    assert bills[len(real)]["shortTitle"] == f"{real[0]['shortTitle']} [copy {len(real)}]"


def test_us_clones_are_the_real_files_with_only_the_bill_number_changed() -> None:
    clones = ingest_bench.us_clones(8)
    for clone in clones:
        real = parse_billstatus((ingest_bench.US_BODIES / clone.real).read_bytes()).bill
        copy = parse_billstatus(clone.body()).bill
        assert bill_id(copy).number == str(clone.number)
        assert {k: v for k, v in copy.items() if k not in ("number", "billNumber")} == {
            k: v for k, v in real.items() if k not in ("number", "billNumber")
        }
    assert len({clone.url for clone in clones}) == len({clone.real for clone in clones}) * 2


def test_the_scaled_cassettes_serve_every_url_of_the_crawl(tmp_path: Path) -> None:
    us, others = ingest_bench.backlog_split(BILLS)
    uk_bills, clones = ingest_bench.cloned_bills(others), ingest_bench.us_clones(us)
    count = ingest_bench.build_cassettes(tmp_path, uk_bills, clones)
    lines = [
        json.loads(line)
        for slug in (ingest_bench.UK_SLUG, ingest_bench.US_SLUG)
        for line in (tmp_path / slug / "index.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    urls = {line["url"] for line in lines}
    assert len(urls) == len(lines) == count
    for slug in (ingest_bench.UK_SLUG, ingest_bench.US_SLUG):
        served = (tmp_path / slug / "index.jsonl").read_text(encoding="utf-8").splitlines()
        assert all(
            "gap" in line or (tmp_path / slug / line["body"]).is_file()
            for line in map(json.loads, served)
        )
    assert f"{API}/{uk_bills[-1]['billId']}/Publications" in urls
    assert {clone.url for clone in clones} <= urls
    index = tmp_path / ingest_bench.US_SLUG / "bodies/index.xml"
    assert (
        index.read_bytes() == ingest_bench.US_INDEX_BODY.read_bytes()
    )  # the real index, unchanged
