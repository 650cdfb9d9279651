"""`--jobs N`: sources dealt over N child crawl processes, which store what one process does."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crawlers import process
from crawlers.process import CrawlProcessFailed, crawl_in_children, deal
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
    # Each child is `command + its sources`: this one writes a file per source, prints a run
    # id, and fails on one.
    script = (
        "import pathlib, sys\n"
        f"pathlib.Path({str(tmp_path)!r}, sys.argv[1]).touch()\n"
        "if 'bad' in sys.argv: sys.exit(3)\n"
        "print(7)\n"
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


def test_children_print_their_run_ids_which_are_gathered_in_order() -> None:
    command = [sys.executable, "-c", "import sys; print({'a': '3 1', 'b': '2'}[sys.argv[1]])"]
    assert crawl_in_children(command, ["a", "b"], 2) == [1, 2, 3]
