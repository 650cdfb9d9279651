"""The CLI reads well (issue #21 item 5): the demo fits one screen, crawl shows its progress
and a summary, tables fit 80 columns with humane times, CSV values are clean, subscriptions
are shown truthfully, confirm takes a pasted link, unsubscribe can stop one subscription.

The demo's database (the recorded cassettes, replayed) is made once; tests that change it
work on a copy."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from alerts.tokens import Purpose, make_token
from fivewatch.cli import cli
from fivewatch.cli.common import ConsoleLogHandler, humane_time
from fivewatch.cli.crawl_progress import CrawlWatch, SourceProgress, crawl_progress, render
from fivewatch.cli.transfer_progress import table_progress
from fivewatch.transfer import export_collection, import_collection, tables
from models import Subscription

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
SCREEN = (40, 100)  # lines, columns: one screen
SECRET = "test secret key for readable CLI tests"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    command = [sys.executable, "-m", "fivewatch", *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=True
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's folder and everything it printed (stdout and stderr)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    done = run("demo", "--dir", str(folder))
    return folder, done.stdout + done.stderr


@pytest.fixture
def db_url(demo: tuple[Path, str], tmp_path: Path) -> str:
    """A copy of the demo's database, for a test that changes it."""
    copy = tmp_path / "fivewatch.db"
    shutil.copy(demo[0] / "fivewatch.db", copy)
    return f"sqlite:///{copy}"


def cli_result(*args: str, db_url: str, columns: int = 80) -> Result:
    env = {"FIVEWATCH_SECRET_KEY": SECRET, "COLUMNS": str(columns)}
    result = CliRunner(env=env).invoke(cli, [*args, "--database-url", db_url])
    assert result.exit_code == 0, result.output
    return result


def cli_run(*args: str, db_url: str, columns: int = 80) -> str:
    return cli_result(*args, db_url=db_url, columns=columns).stdout


def test_the_demo_fits_one_screen_with_no_traceback_or_repeated_warning(
    demo: tuple[Path, str],
) -> None:
    lines, columns = SCREEN
    printed = demo[1].splitlines()
    screen_lines = sum(max(1, math.ceil(len(line) / columns)) for line in printed)
    assert screen_lines <= lines, demo[1]
    assert "Traceback" not in demo[1]
    assert "Disabled" not in demo[1]  # Scrapy's per-crawler middleware notice
    logged = [line for line in printed if line.startswith(("WARNING", "ERROR"))]
    assert len(logged) == len(set(logged)), logged
    assert "us-govinfo-billstatus ok" in " ".join(demo[1].split())  # its sources table
    assert "10 emails sent in all" in " ".join(demo[1].split())


def test_crawl_prints_a_summary_and_its_progress_reads_each_source(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crawl.db'}"
    run("db", "upgrade", "--database-url", url)
    engine = create_engine(url)
    watch = CrawlWatch(engine, ["uk-bills", "nz-beehive"])
    assert {state.state for state in watch.read()} == {"waiting"}
    crawled = run(
        "crawl", "--replay", str(CASSETTES), "uk-bills", "nz-beehive", "--database-url", url
    )
    assert "Disabled" not in crawled.stderr
    assert re.search(r"uk-bills\s+│\s+ok\s+│\s+20\s+│\s+20", crawled.stdout), crawled.stdout
    assert watch.read() == [
        SourceProgress("uk-bills", "ok", documents=20, items=20),
        SourceProgress("nz-beehive", "errors", documents=1, items=1),
    ]
    shown = Console(width=100, record=True)
    shown.print(render(watch.read()))
    text = shown.export_text()
    assert "sources crawled 2/2" in text
    assert re.search(r"uk-bills +ok +20 items, 20 new documents", text), text
    engine.dispose()


def test_log_lines_print_whole_above_the_live_progress(demo: tuple[Path, str]) -> None:
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=100)
    logger = logging.getLogger("fivewatch.test_readable")
    handler = ConsoleLogHandler(terminal)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        url = f"sqlite:///{demo[0] / 'fivewatch.db'}"
        with crawl_progress(terminal, url, ["uk-bills"]):
            logger.warning("a line that must not be torn by the progress display")
    finally:
        logger.removeHandler(handler)
    text = ANSI.sub("", out.getvalue())
    whole = "WARNING fivewatch.test_readable: a line that must not be torn by the progress display"
    assert re.search(rf"(^|[\r\n]){re.escape(whole)}\r?\n", text), repr(text)
    assert "sources crawled 0/1" in text  # the live display was on while it logged


def test_history_fits_80_columns_with_its_title_once(demo: tuple[Path, str]) -> None:
    shown = run(
        "history", "C-63", "--database-url", f"sqlite:///{demo[0] / 'fivewatch.db'}", columns=80
    )
    lines = (shown.stdout + shown.stderr).splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    assert sum("An Act to enact the Online Harms Act" in line for line in lines) == 1
    header = next(line for line in shown.stdout.splitlines() if "date" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == [
        "date",
        "chamber",
        "stage",
        "description",
    ]
    assert "Première lecture" in shown.stdout  # the French stage name, under the English one


def test_tables_show_humane_times(demo: tuple[Path, str]) -> None:
    assert humane_time(datetime(2026, 12, 3, 6, 47, 12, tzinfo=UTC)) == "2026-12-03 06:47 UTC"
    listed = cli_run("sources", db_url=f"sqlite:///{demo[0] / 'fivewatch.db'}")
    assert re.search(r"\b\d\d:\d\d UTC\b", listed), listed  # a folded cell: time under day
    assert "+00:00" not in listed
    assert not re.search(r"\d\d:\d\d:\d\d", listed)


def test_csv_values_are_clean(demo: tuple[Path, str]) -> None:
    url = f"sqlite:///{demo[0] / 'fivewatch.db'}"
    found = cli_run("search", '"online safety"', "--all", "--format", "csv", db_url=url)
    rows = list(csv.DictReader(io.StringIO(found)))
    assert rows
    for row in rows:
        for value in row.values():
            assert not re.search(r"\[\[|\]\]|\['|'\]", value), row
    assert any("; " in row["topics"] for row in rows)
    listed = cli_run("subscriptions", "--format", "csv", db_url=url)
    jurisdictions = [row["jurisdictions"] for row in csv.DictReader(io.StringIO(listed))]
    assert any(jurisdictions)
    assert "[" not in "".join(jurisdictions), jurisdictions


def _subscriptions(db_url: str, email: str) -> dict[str, dict[str, object]]:
    rows = json.loads(cli_run("subscriptions", email, "--format", "json", db_url=db_url))
    return {str(row["name"]): row for row in rows}


def test_subscriptions_show_follows_filters_and_state_truthfully(db_url: str) -> None:
    rows = _subscriptions(db_url, "uk.analyst@example.org")
    followed = rows["follow Abolition of Business Rates Bill"]
    assert followed["follows"] == "Abolition of Business Rates Bill"  # a UK bill: no number
    assert rows["UK bills on abortion and contraception"]["filters"] == "uk; bill"
    assert {row["state"] for row in rows.values()} == {"active"}
    cli_run("unsubscribe", "uk.analyst@example.org", db_url=db_url)
    rows = _subscriptions(db_url, "uk.analyst@example.org")
    assert {row["state"] for row in rows.values()} == {"unsubscribed"}
    table = cli_run("subscriptions", "uk.analyst@example.org", db_url=db_url)
    assert "unsubscribed" in table
    assert "True" not in table
    assert "active" not in table


def test_unsubscribe_one_subscription_keeps_the_others(db_url: str) -> None:
    rows = _subscriptions(db_url, "us.analyst@example.org")
    stopped, kept = rows["Demo: term alert on real bill text"], rows["follow H.R. 1500"]
    cli_run(
        "unsubscribe", "us.analyst@example.org", "--subscription", str(stopped["id"]), db_url=db_url
    )
    after = _subscriptions(db_url, "us.analyst@example.org")
    assert after["Demo: term alert on real bill text"]["state"] == "stopped"
    assert after["follow H.R. 1500"]["state"] == "active"
    assert after["follow H.R. 1500"]["id"] == kept["id"]
    refused = CliRunner().invoke(
        cli,
        [
            "unsubscribe",
            "au.analyst@example.org",
            "--subscription",
            str(kept["id"]),
            "--database-url",
            db_url,
        ],
    )
    assert refused.exit_code != 0
    assert "has no subscription" in refused.output
    assert _subscriptions(db_url, "us.analyst@example.org")["follow H.R. 1500"]["state"] == "active"


def test_confirm_takes_a_pasted_confirm_link(db_url: str) -> None:
    cli_run("subscribe", "new@example.org", "-q", "CSAM", db_url=db_url)
    engine = create_engine(db_url)
    with Session(engine) as session:
        subscription = session.scalars(
            select(Subscription).order_by(Subscription.id.desc())
        ).first()
        assert subscription is not None
        token = make_token(SECRET, Purpose.CONFIRM, subscription.id)
    engine.dispose()
    [waiting] = _subscriptions(db_url, "new@example.org").values()
    assert waiting["state"] == "unconfirmed"
    link = f"https://fivewatch.example.org/confirm/{token}?utm=mail"
    result = CliRunner(env={"FIVEWATCH_SECRET_KEY": SECRET}).invoke(
        cli, ["confirm", link, "--database-url", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "Confirmed subscription" in result.output
    [confirmed] = _subscriptions(db_url, "new@example.org").values()
    assert confirmed["state"] == "active"


C63_TITLE = (
    "An Act to enact the Online Harms Act, to amend the Criminal Code, the Canadian Human Rights "
    "Act and An Act respecting the mandatory reporting of Internet child pornography by persons "
    "who provide an Internet service and to make consequential and related amendments to other "
    "Acts"
)
TABLE_COMMANDS = (
    ("search", "online", "--all"),
    ("query", "test", "online"),
    ("history", "C-63"),
    ("sources",),
    ("subscribers",),
    ("subscriptions",),
    ("deliveries", "uk.analyst@example.org"),
)


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=" ".join)
def test_every_table_fits_80_columns_with_long_titles_whole(
    demo: tuple[Path, str], command: tuple[str, ...]
) -> None:
    url = f"sqlite:///{demo[0] / 'fivewatch.db'}"
    shown = cli_result(*command, db_url=url)
    lines = (shown.stdout + shown.stderr).splitlines()
    assert lines
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    if command[0] in ("search", "query", "history"):
        assert C63_TITLE in one_line(shown.stdout + shown.stderr)  # wrapped, not cut


def test_topics_fit_80_columns() -> None:
    shown = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["topics"])
    assert shown.exit_code == 0, shown.output
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80, shown.stdout
    assert "label Online harms and online safety" in one_line(shown.stdout)


def test_search_is_a_table_when_it_fits_and_a_record_per_document_when_not(
    demo: tuple[Path, str],
) -> None:
    url = f"sqlite:///{demo[0] / 'fivewatch.db'}"
    wide = cli_run("search", "online", "--all", db_url=url, columns=250)
    header = next(line for line in wide.splitlines() if "┃" in line)
    cells = [cell.strip() for cell in header.split("┃")[1:-1]]
    assert cells[:5] == ["jurisdiction", "type", "reference", "session", "title"]
    assert len(cells) == len(set(cells))  # no column twice
    narrow = cli_run("search", "online", "--all", db_url=url, columns=80)
    assert "┃" not in narrow
    assert re.search(r"^reference +C-63 *$", narrow, re.MULTILINE), narrow
    assert f"title {C63_TITLE}" in one_line(narrow)


def test_transfer_reports_its_progress_table_by_table(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{demo[0] / 'fivewatch.db'}")
    exported: list[tuple[str, int, int]] = []
    counts = export_collection(engine, tmp_path / "export", progress=lambda *a: exported.append(a))
    engine.dispose()
    names = [table.name for table in tables()]
    assert list(dict.fromkeys(name for name, _, _ in exported)) == names  # each, in order
    assert {name: (done, total) for name, done, total in exported} == {
        name: (count, count) for name, count in counts.items()
    }
    url = f"sqlite:///{tmp_path / 'imported.db'}"
    run("db", "upgrade", "--database-url", url)
    engine = create_engine(url)
    imported: list[tuple[str, int, int]] = []
    report = import_collection(engine, tmp_path / "export", progress=lambda *a: imported.append(a))
    engine.dispose()
    assert list(dict.fromkeys(name for name, _, _ in imported)) == names
    assert {name: (done, total) for name, done, total in imported} == {
        name: (count, count) for name, count in report.read.items()
    }
    assert report.read == counts


def table_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}
    engine.dispose()
    return counts


def summary_rows(printed: str) -> dict[str, int]:
    """The summary table's rows: table name and count."""
    found = re.findall(r"^│ (\w+) +│ +(\d+) │", printed, re.MULTILINE)
    return {name: int(count) for name, count in found}


def test_export_and_import_end_with_a_summary_per_table(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    archive = tmp_path / "collection.tar.gz"
    demo_url = f"sqlite:///{demo[0] / 'fivewatch.db'}"
    exported = cli_result("export", str(archive), db_url=demo_url)
    rows = summary_rows(exported.stderr)
    stored = table_counts(demo_url)
    assert rows == {name: count for name, count in stored.items() if count} | {
        "total": sum(stored.values())
    }, exported.stderr
    said = "".join(exported.stderr.split())  # a long path folds anywhere
    assert f"Exported{rows['total']}rowsfrom{demo_url}to{archive}in" in said
    assert max(len(line) for line in exported.stderr.splitlines()) <= 80
    assert "━━" not in exported.stderr.split("┏")[0]  # no live bar: not a terminal

    url = f"sqlite:///{tmp_path / 'imported.db'}"
    run("db", "upgrade", "--database-url", url)
    imported = cli_result("import", str(archive), db_url=url)
    assert summary_rows(imported.stderr) == rows
    said = "".join(imported.stderr.split())
    assert f"Imported{rows['total']}rowsfrom{archive}into{url}in" in said


def test_transfer_progress_shows_a_bar_per_table_on_a_terminal_only() -> None:
    out = io.StringIO()
    with table_progress(Console(file=out, force_terminal=True, width=80)) as progress:
        progress("documents", 500, 1200)
        progress("documents", 1200, 1200)
        progress("alerts", 43, 43)
    shown = ANSI.sub("", out.getvalue())
    assert re.search(r"documents +━+ 1200/1200", shown), repr(shown)
    assert re.search(r"alerts +━+ 43/43", shown), repr(shown)
    piped = io.StringIO()
    with table_progress(Console(file=piped, width=80)) as progress:
        progress("documents", 1200, 1200)
    assert piped.getvalue() == ""
