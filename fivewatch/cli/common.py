"""What every command shares: options, the configuration, database sessions and output formats."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from alerts.result_columns import LIST_SEPARATOR
from fivewatch.cli.failures import URL_HINT, OperationalFailure
from fivewatch.cli.tables import fitted
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError, NotFound
from models import Document
from models.db import make_engine, make_session_factory
from models.lookup import AmbiguousReference, describe, find

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "csv")
console = Console(stderr=True)  # progress, logs and summaries; data goes to stdout


class ConsoleLogHandler(logging.Handler):
    """Log lines printed through `console`, so a live progress display stays below them
    instead of being torn by lines written past it."""

    def __init__(self, target: Console = console) -> None:
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            self.target.print(line, markup=False, highlight=False, soft_wrap=True)
        except Exception:  # logging must never raise into the code that logged
            self.handleError(record)


def humane_time(value: datetime) -> str:
    """A moment as people read it: '2026-12-03 06:47 UTC' (stored times are UTC; naive too)."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def database_option(func: F) -> F:
    """`--database-url` on every command: flag, then FIVEWATCH_DATABASE_URL, then SQLite."""
    return click.option(
        "--database-url",
        envvar="FIVEWATCH_DATABASE_URL",
        default=None,
        help="SQLAlchemy URL (default: FIVEWATCH_DATABASE_URL, else sqlite:///fivewatch.db).",
    )(func)


def jobs_option(func: F) -> F:
    """`--jobs N`: crawl the sources in N child processes at once (crawlers.process)."""
    return click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Crawl the sources in this many processes at once (a backlog uses every core).",
    )(func)


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people, json or csv for scripts.",
    )(func)


def safe_url(url: str) -> str:
    """A database URL fit for printing: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def log_level() -> str:
    """The level `fivewatch -v` chose, handed to Scrapy so one switch governs all output."""
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def load_config(database_url: str | None) -> Config:
    return Config.from_env().with_overrides(database_url=database_url)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (`sqlite:///PATH`, `sqlite:///file:PATH?uri=true`), else None."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    database = url.database
    if url.query.get("uri") and database.startswith("file:"):
        database = database.removeprefix("file:")
    return None if database.startswith(":memory:") else Path(database)


def check_database(database_url: str) -> None:
    """Refuse a URL that cannot be parsed, and a SQLite file that does not exist: opening it
    would create an empty one, and the command fail later with no table to read."""
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise OperationalFailure(f"bad database URL: {error}", URL_HINT) from error
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise OperationalFailure(
            f"no database at {path}", "run `fivewatch db upgrade` to create it, or check the URL"
        )


def database_engine(config: Config) -> Engine:
    """The engine of an existing database (`fivewatch db upgrade` creates one)."""
    check_database(config.database_url)
    return make_engine(config.database_url)


def session_factory(config: Config) -> sessionmaker[Session]:
    return make_session_factory(database_engine(config))


@contextmanager
def session_scope(config: Config) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error. Commands own the lifecycle."""
    with session_factory(config)() as session, session.begin():
        yield session


def print_answer(text: str) -> None:
    """Rich text that is part of a command's answer: on stdout, with its table (`console`
    is stderr, for progress, logs and summaries)."""
    Console().print(text)


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    title: str = "",
    max_width: int | None = None,
) -> None:
    """Print rows for people (a table, or records when a table would cut words: cli.tables)
    or as JSON / CSV on stdout (scripts); no wider than `max_width` when given."""
    if fmt == "json":
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=_json_value))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({column: _field(row.get(column)) for column in columns} for row in rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        cells = [[_cell(row.get(column)) for column in columns] for row in rows]
        # For people: as wide as their terminal (or COLUMNS), piped or not, else 80; a script
        # wanting each value whole on one line asks for csv or json.
        out = Console()
        width = min(out.width, max_width or out.width)
        out.print(fitted(width, columns, cells, title), width=width)


def _json_value(value: Any) -> Any:
    """What json cannot write by itself: a moment or a day in ISO form."""
    return value.isoformat() if isinstance(value, date) else str(value)


def _field(value: Any) -> Any:
    """A CSV field: a list "; "-joined, a moment in ISO form, nothing for None (never a repr)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value.isoformat() if isinstance(value, date) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return humane_time(value) if isinstance(value, datetime) else str(value)


def resolve_one(session: Session, reference: str, jurisdiction: str | None) -> Document:
    """The document REFERENCE names (models.lookup); candidates listed when it names several."""
    try:
        found = find(session, reference, jurisdiction)
    except AmbiguousReference as error:
        lines = "\n".join(f"  {describe(document)}" for document in error.candidates)
        raise FiveWatchError(
            f"{reference!r} names {len(error.candidates)} documents; use a number, "
            f"an id (#N) or --jurisdiction:\n{lines}"
        ) from error
    if found is None:
        raise NotFound(f"no document matches {reference!r} (number, title, #id or URL)")
    if found.namesakes:
        others = ", ".join(describe(document) for document in found.namesakes)
        console.print(f"[yellow]the same title also names: {others}")
    return found.document
