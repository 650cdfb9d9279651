"""A crawl's live progress: a bar of the sources done, and per source its state and counts.

The crawl may run in child processes (`--jobs`), so the counts are read where every crawl
writes them, the database: a thread polls the runs started since the crawl began and the
documents stored per source. The display is transient: the runs' table replaces it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawlers.registry import spider_classes
from models import CrawlRun, Document, Source
from models.db import make_engine

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class SourceProgress:
    slug: str
    state: str  # waiting, crawling, or the finished run's status
    documents: int  # stored since the crawl began
    items: int  # the finished run's items


def _documents_by_source(session: Session) -> dict[str, int]:
    query = select(Source.slug, func.count(Document.id)).join(Document).group_by(Source.slug)
    return dict(session.execute(query).all())


class CrawlWatch:
    """What the crawl of `slugs` has done since it began, read back from the database."""

    def __init__(self, engine: Engine, slugs: list[str]) -> None:
        self.engine, self.slugs = engine, slugs
        with Session(engine) as session:
            self.first_run = (session.scalar(select(func.max(CrawlRun.id))) or 0) + 1
            self.documents_before = _documents_by_source(session)

    def read(self) -> list[SourceProgress]:
        with Session(self.engine) as session:
            runs = {
                run.source.slug: run
                for run in session.scalars(select(CrawlRun).where(CrawlRun.id >= self.first_run))
            }
            documents = _documents_by_source(session)
        return [self._progress(slug, runs.get(slug), documents) for slug in self.slugs]

    def _progress(
        self, slug: str, run: CrawlRun | None, documents: dict[str, int]
    ) -> SourceProgress:
        stored = documents.get(slug, 0) - self.documents_before.get(slug, 0)
        if run is None:
            return SourceProgress(slug, "waiting", stored, 0)
        if run.finished_at is None:
            return SourceProgress(slug, "crawling", stored, 0)
        return SourceProgress(slug, run.status, stored, run.items_scraped)


def _line(progress: SourceProgress) -> str:
    counts = f"{progress.documents} new documents"
    if progress.state not in ("waiting", "crawling"):
        counts = f"{progress.items} items, {counts}"
    return f"{progress.slug:<24} {progress.state:<9} {counts}"


def render(states: list[SourceProgress]) -> RenderableType:
    """The bar of sources done over one line per source."""
    done = sum(state.state not in ("waiting", "crawling") for state in states)
    bar = Table.grid(padding=(0, 1))
    bar.add_row(
        f"sources crawled {done}/{len(states)}",
        ProgressBar(total=len(states), completed=done, width=40),
    )
    return Group(bar, Text("\n".join(_line(state) for state in states)))


@contextmanager
def crawl_progress(console: Console, database_url: str, slugs: list[str]) -> Iterator[None]:
    """Show the crawl's progress on `console` (stderr) while the body crawls `slugs` (every
    source when empty)."""
    engine = make_engine(database_url)
    watch = CrawlWatch(engine, slugs or [cls.name for cls in spider_classes()])
    states = watch.read()
    stop = threading.Event()

    def poll() -> None:
        nonlocal states
        while not stop.wait(POLL_SECONDS):
            states = watch.read()

    poller = threading.Thread(target=poll, name="crawl-progress", daemon=True)
    with Live(get_renderable=lambda: render(states), console=console, transient=True):
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join()
            engine.dispose()
