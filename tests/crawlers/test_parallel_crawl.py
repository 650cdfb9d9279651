"""`--jobs N`: sources dealt over N child crawl processes, which store what one process does."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crawlers import process
from crawlers.process import (
    CrawlProcessFailed,
    crawl_in_children,
    crawl_report,
    deal,
    read_crawl_report,
)
from models.db import make_engine
from tests.crawlers.replay_crawl import CASSETTES, crawl, last_run, row_counts, stored_documents

SLUGS = ("uk-bills", "us-govinfo-billstatus", "ca-legisinfo-bills")


def test_sources_are_dealt_round_robin_over_at_most_jobs_groups() -> None:
    assert deal(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert deal(["a"], 4) == [["a"]]
    assert deal(["a", "b"], 1) == [["a", "b"]]


def test_child_processes_store_exactly_what_one_process_stores(
    engine: Engine, db_url: str, tmp_path: Path, sqlite_template: Path
) -> None:
    crawl(db_url, CASSETTES, *SLUGS, jobs=2)
    single_path = tmp_path / "single.db"
    shutil.copyfile(sqlite_template, single_path)
    crawl(f"sqlite:///{single_path}", CASSETTES, *SLUGS)
    single = make_engine(f"sqlite:///{single_path}")
    try:
        assert row_counts(engine) == row_counts(single)
        assert sorted(stored_documents(engine)) == sorted(stored_documents(single))
    finally:
        single.dispose()
    assert row_counts(engine)["documents"] > 0
    # The BILLSTATUS sitemaps list nothing past the default watermark: an honest "empty".
    expected = {"uk-bills": "ok", "us-govinfo-billstatus": "empty", "ca-legisinfo-bills": "ok"}
    assert {slug: last_run(engine, slug).status for slug in SLUGS} == expected


def test_a_failed_child_is_reported_by_its_sources_after_the_others_finish(
    tmp_path: Path,
) -> None:
    # Each child is `command + its sources`: this one writes a file per source, reports a run,
    # and fails on one.
    script = (
        "import json, pathlib, sys\n"
        f"pathlib.Path({str(tmp_path)!r}, sys.argv[1]).touch()\n"
        "if 'bad' in sys.argv: sys.exit(3)\n"
        "print(json.dumps({'sources': sys.argv[1:], 'run_ids': [7]}))\n"
    )
    command = [sys.executable, "-c", script]
    with pytest.raises(CrawlProcessFailed, match=r"bad \(exit 3\)") as failed:
        crawl_in_children(command, ["good", "bad"], 2)
    assert failed.value.run_ids == [7]  # the run the other child made
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad", "good"]


def test_the_module_prints_the_runs_made_before_failing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(*args: object, **kwargs: object) -> list[int]:
        raise CrawlProcessFailed("crawl process failed: uk-bills (exit 1)", [4, 5])

    monkeypatch.setattr(process, "run_crawl", failing)
    with pytest.raises(SystemExit, match="uk-bills \\(exit 1\\)"):
        process.main(["--database-url", "sqlite://", "--jobs", "2"])
    assert capsys.readouterr().out.split() == ["4", "5"]  # what the scheduler reads


def test_the_module_prints_one_json_line_for_a_parent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(process, "run_crawl", lambda *args, **kwargs: [4, 5])
    process.main(["--database-url", "sqlite://", "--json", "uk-bills", "nz-bills"])
    output = capsys.readouterr().out
    assert output == crawl_report(["uk-bills", "nz-bills"], [4, 5]) + "\n"
    assert read_crawl_report(output, ["uk-bills", "nz-bills"]) == [4, 5]


def reporting_child(outputs: dict[str, str]) -> list[str]:
    """A child command that prints, for its one source, `outputs[source]`."""
    return [sys.executable, "-c", f"import sys; print({outputs!r}[sys.argv[1]], end='')"]


def test_children_report_their_runs_which_are_gathered_in_order_among_other_output() -> None:
    command = reporting_child(
        {
            "a": "Scrapy 2.x started\n3 runs\n" + crawl_report(["a"], [3, 1]) + "\ndone 9\n",
            "b": crawl_report(["b"], [2]),
        }
    )
    assert crawl_in_children(command, ["a", "b"], 2) == [1, 2, 3]


@pytest.mark.parametrize(
    "output",
    ["", "12 13\n", "{not json\n", '{"sources": ["other"], "run_ids": [5]}\n', "[1, 2]\n"],
)
def test_a_child_reporting_nothing_readable_is_named_and_the_others_runs_kept(
    output: str,
) -> None:
    command = reporting_child({"good": crawl_report(["good"], [4]), "mute": output})
    with pytest.raises(
        CrawlProcessFailed, match=r"mute \(no crawl report in its output\)"
    ) as failed:
        crawl_in_children(command, ["good", "mute"], 2)
    assert failed.value.run_ids == [4]
