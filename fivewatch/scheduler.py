"""`fivewatch run`: crawl each source at its interval, then match and deliver; one instance.

Each crawl runs in a child process (`python -m crawlers.process`): Twisted's reactor cannot
restart, and a child that dies takes nothing of the scheduler with it. SIGTERM or SIGINT sets
a flag; the step under way (a crawl, matching, a delivery round) finishes, then the loop ends.

One instance per database: PostgreSQL holds an advisory lock on a connection kept open for the
process's life; SQLite holds an exclusive `flock` on a file beside the database. Both end with
the process, however it dies, so a crash never needs a person to clear a stale lock.
"""

from __future__ import annotations

import fcntl
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from alerts.deliver import DeliverySummary
from alerts.match import match_changes
from crawlers.process import child_environment, child_failure, read_crawl_report, sync_sources
from fivewatch.error_lines import FiveWatchError
from fivewatch.health_policy import HealthPolicy, health_report
from models import CrawlRun, Source, utcnow
from models.db import normalise_url

log = logging.getLogger("fivewatch.run")
LOCK_KEY = 0x46495645  # "FIVE": the advisory lock id of `fivewatch run`
LOCK_SUFFIX = ".run.lock"
ERROR_TAIL = 2000  # characters of a failed child's stderr kept in the log
TICK_S = 60.0  # match and send at least this often, so digests leave within a minute of their hour


class AlreadyRunning(FiveWatchError):
    exit_code = 4


@contextmanager
def instance_lock(database_url: str) -> Iterator[None]:
    """Hold the single-instance lock of `database_url`, or raise AlreadyRunning."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "postgresql":
        with _advisory_lock(url.render_as_string(hide_password=False)):
            yield
    elif url.database and url.database != ":memory:":
        with _file_lock(Path(url.database + LOCK_SUFFIX)):
            yield
    else:
        yield  # an in-memory database belongs to this process alone


def _refused(where: str) -> AlreadyRunning:
    return AlreadyRunning(f"another `fivewatch run` is running on {where}; this one stops")


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not _try_advisory(connection):
                raise _refused(make_url(url).render_as_string(hide_password=True))
            yield  # the server drops the lock when this connection ends, or the process dies
    finally:
        engine.dispose()


def _try_advisory(connection: Connection) -> bool:
    return bool(connection.scalar(select(func.pg_try_advisory_lock(LOCK_KEY))))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:  # opened non-inheritable: crawl children never hold it
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _refused(str(path.with_suffix(""))) from None
        yield  # the kernel releases a flock when the process dies


@dataclass
class Scheduler:
    """The loop; the shell hands it the database and how to deliver (`fivewatch send`'s way)."""

    database_url: str
    sessions: sessionmaker[Session]
    deliver: Callable[[], DeliverySummary]
    policy: HealthPolicy
    slugs: list[str] | None = None
    replay_dir: Path | None = None
    jobs: int = 1  # crawl processes at once (crawlers.process --jobs)
    clock: Callable[[], datetime] = utcnow
    stopping: threading.Event = field(default_factory=threading.Event)
    next_due: dict[str, datetime] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        self.stopping.set()

    def run(self) -> None:
        """Cycle until asked to stop: crawl what is due, match, deliver, note health."""
        self.load_schedule()
        log.info("scheduler started", extra={"sources": sorted(self.next_due)})
        while not self.stopping.is_set():
            self.cycle()
            self.stopping.wait(self.seconds_to_next())
        log.info("scheduler stopped")

    def cycle(self) -> None:
        steps = (self.crawl_due, self.match, self.send, self.note_health)
        for step in steps:
            if self.stopping.is_set():
                return
            try:
                step()
            except Exception:  # a service outlives a bad step: logged, and tried next cycle
                log.exception("step failed", extra={"step": step.__name__})

    def load_schedule(self) -> None:
        with self.sessions.begin() as session:
            sync_sources(session)
            chosen = select(Source).order_by(Source.slug)
            if self.slugs:
                chosen = chosen.where(Source.slug.in_(self.slugs))
            for source in session.scalars(chosen):
                last = source.last_run_at or datetime.min.replace(tzinfo=self.clock().tzinfo)
                self.next_due[source.slug] = last + self._interval(source)
        unknown = sorted(set(self.slugs or ()) - set(self.next_due))
        if unknown:
            raise FiveWatchError(f"unknown source(s): {', '.join(unknown)}")

    def _interval(self, source: Source) -> timedelta:
        return timedelta(seconds=self.policy.interval_s(source))

    def seconds_to_next(self) -> float:
        until_due = (min(self.next_due.values()) - self.clock()).total_seconds()
        return min(max(0.0, until_due), TICK_S)

    def crawl_due(self) -> None:
        now = self.clock()
        due = sorted(slug for slug, when in self.next_due.items() if when <= now)
        if not due:
            return
        run_ids = self._crawl_in_child(due)
        self._log_runs(run_ids)
        self._reschedule(due, now)

    def _reschedule(self, slugs: list[str], started: datetime) -> None:
        with self.sessions.begin() as session:
            for source in session.scalars(select(Source).where(Source.slug.in_(slugs))):
                self.next_due[source.slug] = started + self._interval(source)

    def crawl_command(self, slugs: list[str]) -> list[str]:
        """The child crawl's argv: nothing secret (the URL goes in its environment); `--json`
        makes it print its run ids as one `crawl_report` line, told apart from other output."""
        command = [sys.executable, "-m", "crawlers.process", "--json"]
        if self.replay_dir is not None:
            command += ["--replay", str(self.replay_dir)]
        return [*command, "--jobs", str(self.jobs), *slugs]

    def _crawl_in_child(self, slugs: list[str]) -> list[int]:
        log.info("crawl started", extra={"sources": slugs})
        # Its own session: a Ctrl-C at the terminal reaches only us, and the crawl finishes.
        child = subprocess.run(
            self.crawl_command(slugs),
            capture_output=True,
            text=True,
            start_new_session=True,
            env=child_environment(self.database_url),
        )
        run_ids = read_crawl_report(child.stdout, slugs)
        failure = child_failure(slugs, child.returncode, run_ids)
        if failure is not None:
            log.error(
                "crawl process failed",
                extra={
                    "sources": slugs,
                    "failure": failure,
                    "exit": child.returncode,
                    "stderr": child.stderr[-ERROR_TAIL:],
                },
            )
        return run_ids or []

    def _log_runs(self, run_ids: list[int]) -> None:
        with self.sessions.begin() as session:
            for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids))):
                log.info("crawl run", extra=run_fields(run))

    def match(self) -> None:
        with self.sessions.begin() as session:
            summary = match_changes(session, self.clock(), self.stopping.is_set)
        log.info(
            "matched",
            extra={"changes": summary.changes_seen, "alerts": summary.alerts_created},
        )

    def send(self) -> None:
        """Deliver; a configuration `fivewatch send` would refuse (fivewatch.send_check) is
        logged as one error line each cycle, nothing claimed, and crawling goes on."""
        try:
            summary = self.deliver()
        except FiveWatchError as error:
            log.error("not sending: %s", error)
            return
        log.info("delivered", extra=asdict(summary))

    def note_health(self) -> None:
        """Log each source whose verdict changed (the admin email is queued by `deliver`)."""
        with self.sessions.begin() as session:
            report = health_report(session, self.policy, self.clock())
        for health in report:
            if health.slug in self.next_due and self.verdicts.get(health.slug) != health.verdict:
                self.verdicts[health.slug] = health.verdict
                level = logging.INFO if health.verdict == "healthy" else logging.WARNING
                log.log(level, "source health", extra=asdict(health))


def run_fields(run: CrawlRun) -> dict[str, object]:
    """A CrawlRun as log fields, with the Scrapy stats it kept."""
    return {
        "source": run.source.slug,
        "run_id": run.id,
        "status": run.status,
        "items": run.items_scraped,
        "new_documents": run.documents_new,
        "errors": run.error_count,
        "seconds": run.duration_s,
        "stats": run.stats,
    }
