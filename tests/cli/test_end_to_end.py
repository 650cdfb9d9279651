"""The spine end to end through the `fivewatch` command: crawl on replay, match, send, read.

Each crawl runs in its own process (Twisted's reactor starts once per process), on SQLite and
PostgreSQL, replaying the project's own cassettes built from real recorded bodies.
"""

from __future__ import annotations

import csv
import email
import importlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from crawlers.process import CrawlProcessFailed
from fivewatch.cli import cli
from models import Alert, BillEvent, Change, CrawlRun, Delivery, Document, DocumentVersion
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
STAGES_URL = "https://bills-api.parliament.uk/api/v1/Bills/2818/Stages"
UK = ("uk-bills", "uk-govuk-statements")
LIST_URL = "https://bills-api.parliament.uk/api/v1/Bills?SortOrder=DateUpdatedDescending"


def fivewatch(
    *args: str, db_url: str, cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fivewatch", *args, "--database-url", db_url]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
    return result


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            model.__tablename__: conn.scalar(select(func.count()).select_from(model)) or 0
            for model in (Document, BillEvent, DocumentVersion, Change, Alert)
        }


def crawl_match_send(db_url: str, cassette: Path, cwd: Path) -> None:
    fivewatch("crawl", "--replay", str(cassette), db_url=db_url, cwd=cwd)
    fivewatch("match", db_url=db_url, cwd=cwd)
    fivewatch("send", db_url=db_url, cwd=cwd)


@pytest.fixture
def subscribed(db_url: str, tmp_path: Path) -> str:
    """A database with a topic subscription, a UK query subscription and bill 2818 followed."""
    fivewatch("crawl", "--replay", str(CASSETTES), *UK, db_url=db_url, cwd=tmp_path)
    fivewatch(
        "subscribe",
        "analyst@example.org",
        "--query",
        "abortion OR business",
        "--jurisdiction",
        "uk",
        "--confirmed",
        db_url=db_url,
        cwd=tmp_path,
    )
    fivewatch(
        "follow",
        "follower@example.org",
        "2818",
        "--jurisdiction",
        "uk",
        "--confirmed",
        db_url=db_url,
        cwd=tmp_path,
    )
    return db_url


def test_crawl_match_send_writes_alert_emails(
    subscribed: str, tmp_path: Path, engine: Engine
) -> None:
    fivewatch("match", db_url=subscribed, cwd=tmp_path)
    fivewatch("send", db_url=subscribed, cwd=tmp_path)
    emails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(emails) == 1  # the follower gets nothing until bill 2818 moves
    message = email.message_from_bytes(emails[0].read_bytes())
    assert message["To"] == "analyst@example.org"
    assert "Abolition of Business Rates Bill" in emails[0].read_text(encoding="utf-8")
    with engine.connect() as conn:
        assert (
            conn.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))
            == 1
        )


def test_replaying_the_same_cassette_twice_adds_nothing(
    subscribed: str, tmp_path: Path, engine: Engine
) -> None:
    crawl_match_send(subscribed, CASSETTES, tmp_path)  # every source, first time for most
    before = counts(engine)
    assert before["documents"] > 20
    crawl_match_send(subscribed, CASSETTES, tmp_path)
    assert counts(engine) == before


def moved_stage_cassette(tmp_path: Path) -> Path:
    """The real uk-bills cassette; bill 2818's 2nd reading gets a sitting (derived here)."""
    cassette = tmp_path / "moved" / "uk-bills"
    shutil.copytree(CASSETTES / "uk-bills", cassette)
    entries = [
        json.loads(line) for line in (cassette / "index.jsonl").read_text().splitlines() if line
    ]
    entry = next(e for e in entries if e["url"] == STAGES_URL)
    body_path = cassette / entry["body"]
    stages: dict[str, Any] = json.loads(body_path.read_text(encoding="utf-8"))
    second = stages["items"][1]
    second["stageSittings"] = [
        {
            "id": 1,
            "stageId": second["stageId"],
            "billStageId": second["id"],
            "billId": 2818,
            "date": "2021-03-05T00:00:00",
        }
    ]
    body_path.write_text(json.dumps(stages), encoding="utf-8")
    # The API bumps a bill's lastUpdate when it moves; without that the watermark skips it.
    listing = next(e for e in entries if e["url"].startswith(LIST_URL) and e.get("body"))
    list_path = cassette / listing["body"]
    bills: dict[str, Any] = json.loads(list_path.read_text(encoding="utf-8"))
    next(b for b in bills["items"] if b["billId"] == 2818)["lastUpdate"] = "2026-11-28T09:00:00"
    list_path.write_text(json.dumps(bills), encoding="utf-8")
    return cassette


def test_a_bill_that_moved_a_stage_adds_one_event_one_change_and_its_alerts(
    subscribed: str, tmp_path: Path, engine: Engine
) -> None:
    fivewatch("match", db_url=subscribed, cwd=tmp_path)
    before = counts(engine)
    fivewatch(
        "crawl",
        "--replay",
        str(moved_stage_cassette(tmp_path)),
        "uk-bills",
        db_url=subscribed,
        cwd=tmp_path,
    )
    after_crawl = counts(engine)
    assert after_crawl["bill_events"] == before["bill_events"] + 1
    assert after_crawl["changes"] == before["changes"] + 1
    fivewatch("match", db_url=subscribed, cwd=tmp_path)
    with engine.connect() as conn:
        new_alerts = (
            conn.execute(select(Alert.reason).where(Alert.id > before["alerts"]).order_by(Alert.id))
            .scalars()
            .all()
        )
    # The follower and the query subscription (which includes stage changes) each get one.
    assert len(new_alerts) == 2
    assert any("2nd reading" in reason for reason in new_alerts)


def test_history_lists_stages_in_order_with_dates_and_houses(
    subscribed: str, tmp_path: Path
) -> None:
    out = fivewatch(
        "history",
        "2818",
        "--jurisdiction",
        "uk",
        "--format",
        "json",
        db_url=subscribed,
        cwd=tmp_path,
    ).stdout
    [bill] = json.loads(out)
    assert bill["title"] == "Abolition of Business Rates Bill"
    assert [(e["date"], e["chamber"], e["stage"]) for e in bill["events"]] == [
        ("2021-01-12", "Commons", "1st reading")
    ]
    table = fivewatch("history", "2818", "-j", "uk", db_url=subscribed, cwd=tmp_path).stdout
    assert "1st reading" in table
    assert "Commons" in table


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_search_finds_a_bill_by_title_words(subscribed: str, tmp_path: Path, fmt: str) -> None:
    out = fivewatch(
        "search", "business rates", "--all", "--format", fmt, db_url=subscribed, cwd=tmp_path
    ).stdout
    if fmt == "json":
        assert [row["title"] for row in json.loads(out)] == ["Abolition of Business Rates Bill"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [row["title"] for row in rows] == ["Abolition of Business Rates Bill"]
    else:  # for people: the title whole, though wrapped to the terminal's width (COLUMNS)
        assert "title Abolition of Business Rates Bill" in " ".join(out.split())


def test_a_bad_query_is_refused_with_its_position(subscribed: str, tmp_path: Path) -> None:
    result = fivewatch("search", '"online safety', db_url=subscribed, cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "^" in result.stderr
    assert "Traceback" not in result.stderr


def statement_naming_c63(tmp_path: Path) -> Path:
    """The real Canada news feed with its first entry's summary naming Bill C-63 (derived here)."""
    cassette = tmp_path / "named" / "ca-gc-news"
    shutil.copytree(CASSETTES / "ca-gc-news", cassette)
    first = json.loads((cassette / "index.jsonl").read_text(encoding="utf-8").splitlines()[0])
    body = cassette / first["body"]
    text = body.read_text(encoding="utf-8")
    start = text.index("<summary", text.index("<entry"))
    start = text.index(">", start) + 1
    body.write_text(text[:start] + "On Bill C-63, the Online Harms Act: " + text[start:], "utf-8")
    return cassette.parent


def test_a_statement_naming_a_bill_appears_on_its_history(db_url: str, tmp_path: Path) -> None:
    fivewatch(
        "crawl", "--replay", str(CASSETTES), "ca-legisinfo-bills", db_url=db_url, cwd=tmp_path
    )
    fivewatch(
        "crawl",
        "--replay",
        str(statement_naming_c63(tmp_path)),
        "ca-gc-news",
        db_url=db_url,
        cwd=tmp_path,
    )
    out = fivewatch("history", "C-63", "--format", "json", db_url=db_url, cwd=tmp_path).stdout
    [bill] = json.loads(out)
    assert bill["reference"] == "C-63"
    assert len(bill["statements"]) == 1
    assert bill["statements"][0]["jurisdiction"] == "ca"
    table = fivewatch("history", "C-63", db_url=db_url, cwd=tmp_path).stdout
    assert "Statements that name this bill" in table


def test_spider_arguments_reach_the_spider(db_url: str, tmp_path: Path, engine: Engine) -> None:
    fivewatch(
        "crawl",
        "--replay",
        str(CASSETTES),
        "-a",
        "bills=45-1/C-34",
        "-a",
        "sessions=",
        "ca-legisinfo-bills",
        db_url=db_url,
        cwd=tmp_path,
    )
    with engine.connect() as conn:
        references = conn.scalars(select(Document.reference)).all()
    assert references == ["C-34"]  # only the tracked bill: no session list was asked for


def test_a_malformed_spider_argument_is_a_usage_error(db_url: str, tmp_path: Path) -> None:
    result = fivewatch(
        "crawl", "-a", "bills", "ca-legisinfo-bills", db_url=db_url, cwd=tmp_path, check=False
    )
    assert result.returncode == 2
    assert "expected KEY=VALUE" in result.stderr


def test_crawl_deals_the_sources_over_jobs_processes(db_url: str, tmp_path: Path) -> None:
    args = ("crawl", "--replay", str(CASSETTES), *UK, "--jobs", "2", "--format", "json")
    rows = json.loads(fivewatch(*args, db_url=db_url, cwd=tmp_path).stdout)
    assert sorted((row["source"], row["status"]) for row in rows) == [
        ("uk-bills", "ok"),
        ("uk-govuk-statements", "ok"),
    ]
    refused = fivewatch("crawl", "--jobs", "0", db_url=db_url, cwd=tmp_path, check=False)
    assert refused.returncode == 2
    assert "--jobs" in refused.stderr


@pytest.mark.parametrize("status", ["stopped", "abandoned", "failed"])
def test_a_crawl_whose_run_did_not_finish_exits_non_zero(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    fivewatch("crawl", "--replay", str(CASSETTES), UK[1], db_url=db_url, cwd=tmp_path)
    with engine.begin() as conn:
        made = list(conn.scalars(select(CrawlRun.id)))
        # As a SIGTERM (stopped) or a kill -9 (abandoned) would have left the run.
        conn.execute(update(CrawlRun).values(status=status))
    crawl_commands = importlib.import_module("fivewatch.cli.crawl")
    monkeypatch.setattr(crawl_commands, "run_crawl", lambda *args, **kwargs: made)
    result = CliRunner().invoke(cli, ["crawl", "--format", "json", "--database-url", db_url])
    assert result.exit_code == 1
    assert [row["status"] for row in json.loads(result.stdout)] == [status]


def test_a_failed_crawl_process_still_shows_the_runs_the_others_made(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fivewatch("crawl", "--replay", str(CASSETTES), UK[1], db_url=db_url, cwd=tmp_path)
    with engine.connect() as conn:
        made = list(conn.scalars(select(CrawlRun.id)))

    def one_process_failed(*args: object, **kwargs: object) -> list[int]:
        raise CrawlProcessFailed("crawl process failed: uk-bills (exit 1)", made)

    # The module, not the `crawl` command the package exports under the same name.
    crawl_commands = importlib.import_module("fivewatch.cli.crawl")
    monkeypatch.setattr(crawl_commands, "run_crawl", one_process_failed)
    args = ["crawl", "--jobs", "2", "--format", "json", "--database-url", db_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert [row["source"] for row in json.loads(result.stdout)] == [UK[1]]
    assert "crawl process failed: uk-bills (exit 1)" in result.stderr
