"""bench/ingest.py at a tiny size: its JSON line comes out and its counts are right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import ingest
from crawlers.spiders.uk_bills import API

BILLS = 45  # two full list pages and a partial third


def sittings_per_bill() -> int:
    stages = json.loads(ingest.STAGES_BODY.read_text(encoding="utf-8"))["items"]
    return sum(len(stage["stageSittings"]) for stage in stages)


def test_a_tiny_run_stores_every_cloned_bill_and_ends_with_the_json_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ingest.main(["--bills", str(BILLS)])
    lines = capsys.readouterr().out.splitlines()
    figures = json.loads(lines[-1])
    events = BILLS * sittings_per_bill()
    assert figures["bills"] == figures["documents"] == BILLS
    assert figures["events"] == events
    assert figures["versions"] == figures["changes"] == BILLS
    assert figures["exchanges"] == 3 + 3 * BILLS  # 3 list pages, then detail/stages/publications
    assert figures["baseline_rows"] == 3 * BILLS + events  # document, version, change + events
    assert figures["bills_per_s"] > 0
    assert figures["ratio_vs_row_by_row"] > 0
    assert figures["store_only_bills_per_s"] > 0  # its rows are asserted equal to the baseline's
    assert any(line.startswith("target (< 60 s): ") for line in lines)


def test_clones_keep_the_real_entries_but_never_share_an_id() -> None:
    real = json.loads(ingest.LIST_BODY.read_text(encoding="utf-8"))["items"]
    bills = ingest.cloned_bills(BILLS)
    assert len({bill["billId"] for bill in bills}) == BILLS
    assert bills[len(real)]["lastUpdate"] == real[0]["lastUpdate"]
    assert bills[len(real)]["shortTitle"] == f"{real[0]['shortTitle']} [copy {len(real)}]"


def test_the_scaled_cassette_serves_every_url_of_the_crawl(tmp_path: Path) -> None:
    bills = ingest.cloned_bills(BILLS)
    count = ingest.build_cassette(tmp_path, bills)
    lines = (tmp_path / "index.jsonl").read_text(encoding="utf-8").splitlines()
    urls = {json.loads(line)["url"] for line in lines}
    assert len(urls) == len(lines) == count
    assert all((tmp_path / json.loads(line)["body"]).is_file() for line in lines)
    assert f"{API}/{bills[-1]['billId']}/Publications" in urls
