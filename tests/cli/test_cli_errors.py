"""Operational errors print one line and a hint, exit non-zero, and show a traceback only with
-v (issue #15, item 13). In-process through click's runner: none of these starts a crawl."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from crawlers.process import spider_parameters
from crawlers.spiders.ca.legisinfo_bills import CaLegisinfoBillsSpider
from fivewatch.cli import cli
from fivewatch.cli.failures import explain
from models import CrawlRun
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
READ_COMMANDS = (("search", "online"), ("history", "C-63"), ("sources",), ("subscribers",))


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_error(result: Result, *expected: str, exit_code: int = 1) -> None:
    """Exit `exit_code`; on stderr `Error:` (and a hint) naming `expected`; no traceback."""
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    if exit_code == 2:  # a usage error: click's usage and `--help` lines come first
        lines = lines[lines.index(next(line for line in lines if line.startswith("Error:"))) :]
    assert lines[0].startswith("Error:")
    assert len(lines) <= 2, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "bad database URL: Could not parse"),
        ("mysqlx://host/db", "bad database URL: Can't load plugin: sqlalchemy.dialects:mysqlx"),
        # Port 1 on loopback refuses at once; the password must not be printed.
        ("postgresql://u:SYNTHETIC-PW@127.0.0.1:1/x", "cannot reach the database"),
    ],
)
def test_a_bad_database_url_is_one_line(url: str, expected: str) -> None:
    result = run("search", "online", "--database-url", url)
    assert_one_error(result, expected, "Hint:")
    assert "SYNTHETIC-PW" not in result.stderr


@pytest.mark.parametrize("command", [*READ_COMMANDS, ("match",), ("export", "out.tar.gz")])
def test_a_missing_sqlite_file_is_named_and_not_created(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    missing = tmp_path / "none.db"
    result = run(*command, "--database-url", f"sqlite:///{missing}")
    assert_one_error(result, f"no database at {missing}", "fivewatch db upgrade")
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_migrations_says_to_upgrade(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a file with no tables
    result = run("search", "online", "--database-url", f"sqlite:///{empty}")
    assert_one_error(result, "no FiveWatch tables", "run `fivewatch db upgrade`")


def test_postgresql_without_migrations_says_to_upgrade_too() -> None:
    class UndefinedTable(Exception):
        sqlstate = "42P01"

    error = ProgrammingError("SELECT", {}, UndefinedTable('relation "documents" does not exist'))
    failure = explain(error)
    assert failure is not None
    assert "fivewatch db upgrade" in failure.format_message()


def test_with_v_the_traceback_is_shown(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = run("-v", "search", "online", "--database-url", f"sqlite:///{empty}")
    assert result.exit_code == 1
    assert isinstance(result.exception, OperationalError)  # raised on, for the traceback


@pytest.fixture(params=["wal", "delete"])
def read_only_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file opened read-only (as a read-only file or mount opens it: root
    can write any file, so the test asks SQLite itself), in WAL or rollback-journal mode."""
    path = tmp_path / "readonly.db"
    shutil.copyfile(sqlite_template, path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA journal_mode={request.param}")
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_read_commands_work_on_a_read_only_database(
    command: tuple[str, ...], read_only_url: str
) -> None:
    result = run(*command, "--database-url", read_only_url, "--format", "csv")
    if command[0] == "history":  # nothing crawled: the one clear "not found" line
        assert_one_error(result, "no document matches", exit_code=3)
    else:
        assert result.exit_code == 0, result.output


def test_a_write_command_on_a_read_only_database_is_one_line(read_only_url: str) -> None:
    result = run("match", "--database-url", read_only_url)
    assert_one_error(result, "the database is read-only", "Hint:")


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("bills", "expected KEY=VALUE"),
        ("nonsense=1", "takes no spider argument nonsense"),
        ("bills=garbage", "expected SESSION/NUMBER"),  # exited 0 with no run recorded
        ("since=yesterday", "ca-legisinfo-bills: Invalid isoformat"),  # a TypeError traceback
    ],
)
def test_a_bad_spider_argument_is_refused_before_any_crawl(
    argument: str, expected: str, db_url: str, engine: Engine
) -> None:
    result = run(
        "crawl", "ca-legisinfo-bills", "-a", argument, "--replay", str(CASSETTES),
        "--database-url", db_url,
    )  # fmt: skip
    assert_one_error(result, expected, exit_code=2)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CrawlRun)) == 0


def test_a_spider_takes_the_arguments_of_its_own_init_and_its_bases() -> None:
    assert spider_parameters(CaLegisinfoBillsSpider) == {"since", "sessions", "bills"}
