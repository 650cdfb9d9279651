"""Source health, judged when read: the one verdict the CLI, web, /metrics and admin mail show.

It lives beside the models (not in the shell) so the admin mail (alerts) and the crawl run
extension (crawlers) read the same rules. Verdicts, first match wins:

- `unknown`: never crawled (`unverified` instead when the source never parsed a real body);
- `failing`: the latest completed run collected nothing and had errors;
- `unverified`: built from documentation and never checked on a real body: whatever else its
  runs say, nobody knows its records are right until one `fivewatch crawl SLUG --record DIR`;
  so too a source that never succeeded and whose runs only ever hit declared replay gaps
  (nothing was fetched, so nothing says whether it works);
- `empty`: the latest completed run produced nothing (the crawl marks such a run "empty":
  a first run with nothing, or nothing where there used to be something; it is never a success);
- `stale`: no success for twice the source's interval, so a dead scheduler shows too;
- `degraded`: the latest completed run read a feed only in part (bozo: cut off, broken), or
  errors per request are above the threshold over the recent runs (one bozo feed among many
  pages would stay below it);
- `healthy`.

Runs stopped before their end or abandoned by a dead process are not completed: they say
nothing of what the source gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.sources import CrawlRun, Source

RECENT_RUNS = 5
ENTRIES_SEEN_STAT = "source/entries_seen"  # entries a source listed, stored or not
BOZO_FEEDS_STAT = "feed/bozo"  # feeds a run could read only in part (they may hide entries)
INCOMPLETE = ("running", "stopped", "abandoned")
VERDICTS = ("healthy", "unverified", "empty", "degraded", "failing", "stale", "unknown")
NOT_A_PROBLEM = ("healthy", "unknown")  # no incident, no admin mail
UNVERIFIED_REASON = "never parsed a real body; `fivewatch crawl {slug} --record DIR` settles it"
GAPS_ONLY_REASON = "never succeeded and its runs only hit declared replay gaps: no body read yet"


@dataclass(frozen=True)
class HealthPolicy:
    intervals: Mapping[str, int]  # seconds between runs, per source kind; else the source's own
    error_rate_threshold: float = 0.2

    def interval_s(self, source: Source) -> int:
        return self.intervals.get(source.kind, source.interval_s)


DEFAULT_POLICY = HealthPolicy({})


@dataclass(frozen=True)
class SourceHealth:
    slug: str
    jurisdiction: str
    kind: str
    title: str  # Source.name ("name" would clash with a log record's own)
    verdict: str  # one of VERDICTS
    reason: str
    last_run: datetime | None
    last_success: datetime | None
    items_last_run: int
    items_per_run: float  # mean over the recent runs
    error_rate: float  # errors per request over the recent runs


def produced(run: CrawlRun) -> int:
    """What a run got from its source: items stored, else entries it listed."""
    return run.items_scraped or int(run.stats.get(ENTRIES_SEEN_STAT, 0))


def recent_runs(session: Session, source: Source, limit: int = RECENT_RUNS) -> list[CrawlRun]:
    """The source's finished runs, newest first."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source.id, CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def only_gaps(run: CrawlRun) -> bool:
    """The run asked only for what its cassette declares unrecorded: it read no body at all."""
    gaps = int(run.stats.get("replay/gap", 0))
    return gaps > 0 and not int(run.stats.get("downloader/response_count", 0))


def error_rate(runs: Sequence[CrawlRun]) -> float:
    requests = sum(run.requests for run in runs)
    errors = sum(run.error_count for run in runs)
    return errors / requests if requests else float(errors > 0)


def _stale_reason(source: Source, runs: Sequence[CrawlRun], interval: int, now: datetime) -> str:
    since = source.last_success_at or runs[-1].started_at
    if now - since <= timedelta(seconds=2 * interval):
        return ""
    what = "no successful run since" if source.last_success_at else "never succeeded; first run"
    return f"{what} {since.isoformat(timespec='minutes')} (interval {interval}s)"


def _failing_reason(source: Source, run: CrawlRun) -> str:
    first_error = run.errors[0] if run.errors else ""
    return "; ".join(part for part in (source.health_reason, first_error) if part)


def _bozo_reason(latest: CrawlRun | None) -> str:
    bozo = int(latest.stats.get(BOZO_FEEDS_STAT, 0)) if latest is not None else 0
    if not bozo:
        return ""
    return f"the latest run read {bozo} feed(s) only in part; entries may be missing"


def _empty_reason(source: Source, completed: Sequence[CrawlRun]) -> str:
    streak = next((n for n, run in enumerate(completed) if run.status != "empty"), len(completed))
    runs = "the last run" if streak == 1 else f"the last {streak} runs"
    before = "never produced any" if source.last_success_at is None else "it used to"
    return f"no items in {runs}; {before}"


def judge(
    source: Source, runs: Sequence[CrawlRun], policy: HealthPolicy, now: datetime
) -> tuple[str, str]:
    """(verdict, reason) for a source from its recent finished runs, newest first."""
    unverified = UNVERIFIED_REASON.format(slug=source.slug)
    if not runs:
        return ("unknown", "never crawled") if source.verified else ("unverified", unverified)
    completed = [run for run in runs if run.status not in INCOMPLETE]
    latest = completed[0] if completed else None
    if latest is not None and latest.status == "failed":
        return "failing", _failing_reason(source, latest)
    if not source.verified:
        return "unverified", unverified
    if completed and source.last_success_at is None and all(map(only_gaps, completed)):
        return "unverified", GAPS_ONLY_REASON
    if latest is not None and latest.status == "empty":
        return "empty", _empty_reason(source, completed)
    stale = _stale_reason(source, runs, policy.interval_s(source), now)
    if stale:
        return "stale", stale
    bozo = _bozo_reason(latest)
    if bozo:
        return "degraded", bozo
    rate = error_rate(runs)
    if rate > policy.error_rate_threshold:
        threshold = f"{policy.error_rate_threshold:.0%}"
        return (
            "degraded",
            f"errors on {rate:.0%} of requests over {len(runs)} run(s) (> {threshold})",
        )
    return "healthy", ""


def needs_attention(health: SourceHealth) -> bool:
    """A problem for a person: any verdict but healthy or unknown, once the source has run
    (a source nothing crawls yet needs nobody)."""
    return health.verdict not in NOT_A_PROBLEM and health.last_run is not None


def assess(session: Session, source: Source, policy: HealthPolicy, now: datetime) -> SourceHealth:
    runs = recent_runs(session, source)
    verdict, reason = judge(source, runs, policy, now)
    items = [produced(run) for run in runs]
    return SourceHealth(
        slug=source.slug,
        jurisdiction=source.jurisdiction,
        kind=source.kind,
        title=source.name,
        verdict=verdict,
        reason=reason,
        last_run=source.last_run_at,
        last_success=source.last_success_at,
        items_last_run=items[0] if items else 0,
        items_per_run=round(sum(items) / len(items), 1) if items else 0.0,
        error_rate=round(error_rate(runs), 3),
    )


def health_report(session: Session, policy: HealthPolicy, now: datetime) -> list[SourceHealth]:
    """Every source's health, by jurisdiction then slug."""
    sources = session.scalars(select(Source).order_by(Source.jurisdiction, Source.slug))
    return [assess(session, source, policy, now) for source in sources]
