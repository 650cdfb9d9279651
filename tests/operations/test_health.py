"""fivewatch.health_policy: each verdict, and the figures beside it, from CrawlRun rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from crawlers.extensions import apply_verdict, verdict
from fivewatch.config import Config
from fivewatch.health_policy import HealthPolicy, SourceHealth, assess
from models import CrawlRun, Source, utcnow
from models.health import GAPS_ONLY_REASON
from models.store import ensure_source

NOW = utcnow()
POLICY = HealthPolicy({"statements": 900, "bills": 3600}, error_rate_threshold=0.2)
LAYOUT = "LayoutChanged: ca-gc-news https://www.canada.ca/en/news.html: an HTML page was served"


def feed(session: Session) -> Source:
    return ensure_source(session, slug="ca-gc-news", jurisdiction="ca", kind="statements")


def add_run(
    session: Session,
    source: Source,
    status: str,
    *,
    ago: int = 60,
    items: int = 44,
    **fields: object,
) -> CrawlRun:
    finished = NOW - timedelta(seconds=ago)
    run = CrawlRun(source=source, started_at=finished, finished_at=finished, status=status)
    run.items_scraped = items
    run.requests = 48
    for name, value in fields.items():
        setattr(run, name, value)
    session.add(run)
    source.last_run_at = finished
    if status == "ok":
        source.last_success_at = finished
    session.flush()
    return run


def judged(session: Session, source: Source, policy: HealthPolicy = POLICY) -> SourceHealth:
    return assess(session, source, policy, NOW)


def test_a_source_never_crawled_is_unknown(session: Session) -> None:
    assert judged(session, feed(session)).verdict == "unknown"


def test_an_ok_run_is_healthy_with_its_figures(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=120, items=40)
    add_run(session, source, "ok", ago=60, items=44)
    health = judged(session, source)
    assert (health.verdict, health.reason) == ("healthy", "")
    assert health.items_last_run == 44
    assert health.items_per_run == 42.0
    assert health.error_rate == 0.0


def test_a_failed_run_is_failing_and_names_the_error(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=120)
    add_run(session, source, "failed", items=0, error_count=1, errors=[LAYOUT])
    source.health_reason = "1 error(s) and nothing collected"
    health = judged(session, source)
    assert health.verdict == "failing"
    assert health.reason == f"1 error(s) and nothing collected; {LAYOUT}"


def test_no_success_for_twice_the_interval_is_stale(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=2 * 900 + 1)
    health = judged(session, source)
    assert health.verdict == "stale"
    assert "no successful run since" in health.reason


def test_just_inside_twice_the_interval_is_not_stale(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=2 * 900 - 1)
    assert judged(session, source).verdict == "healthy"


def test_the_interval_is_the_configured_one_for_the_kind(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=2000)
    assert judged(session, source).verdict == "stale"
    hourly = HealthPolicy({"statements": 3600}, error_rate_threshold=0.2)
    assert judged(session, source, hourly).verdict == "healthy"


def test_never_succeeding_for_twice_the_interval_is_stale(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "errors", ago=4000, error_count=1)
    add_run(session, source, "errors", ago=60, error_count=1)
    health = judged(session, source)
    assert health.verdict == "stale"
    assert health.reason.startswith("never succeeded")


def test_nothing_where_there_used_to_be_records_is_empty(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=120)
    add_run(session, source, "empty", items=0)
    health = judged(session, source)
    assert (health.verdict, health.reason) == ("empty", "no items in the last run; it used to")


def test_a_second_empty_run_is_empty_and_no_success(session: Session) -> None:
    """Before: the second empty run was "ok" (its previous run had nothing either), set
    last_success_at and turned a dead source green again."""
    source = feed(session)
    first = add_run(session, source, "ok", ago=180)
    for ago in (120, 60):
        run = add_run(session, source, "running", ago=ago, items=0)
        previous = session.get_one(CrawlRun, run.id - 1)
        apply_verdict(run, source, verdict(run, previous, may_be_empty=False))
    assert source.last_success_at == first.finished_at
    assert judged(session, source).verdict == "empty"
    assert judged(session, source).reason == "no items in the last 2 runs; it used to"


def test_a_first_empty_run_is_not_healthy(session: Session) -> None:
    source = feed(session)
    run = add_run(session, source, "running", items=0)
    apply_verdict(run, source, verdict(run, None, may_be_empty=False))
    assert (run.status, source.last_success_at) == ("empty", None)
    health = judged(session, source)
    assert (health.verdict, health.reason) == (
        "empty",
        "no items in the last run; never produced any",
    )


def test_a_quiet_run_is_ok_only_where_the_spider_expects_it() -> None:
    run = CrawlRun(id=3, items_scraped=0, error_count=0, stats={})
    assert verdict(run, None, may_be_empty=True).status == "ok"
    assert verdict(run, None, may_be_empty=False).status == "empty"


def test_a_stopped_run_leaves_the_empty_verdict_as_it_was(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=180)
    add_run(session, source, "empty", ago=120, items=0)
    add_run(session, source, "stopped", items=3)
    assert judged(session, source).verdict == "empty"


def test_a_source_never_checked_on_a_real_body_is_unverified(session: Session) -> None:
    source = ensure_source(session, slug="nz-bills", jurisdiction="nz", kind="bills")
    source.verified = False
    assert judged(session, source).verdict == "unverified"  # before its first run
    add_run(session, source, "ok", items=12)  # a replay that parsed its blind cassette
    health = judged(session, source)
    assert health.verdict == "unverified"
    assert health.reason == (
        "never parsed a real body; `fivewatch crawl nz-bills --record DIR` settles it"
    )


def test_an_unverified_source_that_fails_is_failing(session: Session) -> None:
    source = feed(session)
    source.verified = False
    add_run(session, source, "failed", items=0, error_count=1, errors=[LAYOUT])
    assert judged(session, source).verdict == "failing"


def test_errors_above_the_threshold_are_degraded(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=120)
    add_run(session, source, "errors", error_count=30)  # 30 of 96 requests: 31%
    health = judged(session, source)
    assert health.verdict == "degraded"
    assert health.reason == "errors on 31% of requests over 2 run(s) (> 20%)"
    assert health.error_rate == 0.312


def test_errors_below_the_threshold_stay_healthy(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=120)
    add_run(session, source, "errors", error_count=5)  # 5 of 96 requests: 5%
    assert judged(session, source).verdict == "healthy"


@pytest.mark.parametrize(
    ("env", "raw"),
    [
        ("FIVEWATCH_BILLS_INTERVAL", "hourly"),
        ("FIVEWATCH_STATEMENTS_INTERVAL", "0"),
        ("FIVEWATCH_ERROR_RATE_THRESHOLD", "a lot"),
    ],
)
def test_bad_settings_name_their_variable(env: str, raw: str) -> None:
    with pytest.raises(ValueError, match=f"{env}='{raw}'"):
        HealthPolicy.from_config(Config.from_env({env: raw}))


def test_settings_give_the_default_intervals() -> None:
    policy = HealthPolicy.from_config(Config.from_env({}))
    assert policy.intervals == {}  # no kind override: each source's own interval
    assert policy.error_rate_threshold == 0.2


def test_a_kind_interval_set_overrides_the_sources_own() -> None:
    settings = Config.from_env({"FIVEWATCH_BILLS_INTERVAL": "7200"})
    assert HealthPolicy.from_config(settings).intervals == {"bills": 7200}


@pytest.mark.parametrize(("hours_ago", "verdict"), [(3, "healthy"), (8.1, "stale")])
def test_unset_a_source_is_stale_after_twice_its_own_interval(
    session: Session, hours_ago: float, verdict: str
) -> None:
    """Before: the bills default (3600 s) overrode a 4-hour source, stale after 2 hours."""
    source = ensure_source(
        session, slug="us-congress-bills", jurisdiction="us", kind="bills", interval_s=4 * 3600
    )
    add_run(session, source, "ok", ago=int(hours_ago * 3600))
    defaults = HealthPolicy.from_config(Config.from_env({}))
    assert judged(session, source, defaults).verdict == verdict


def test_a_blind_source_that_yields_nothing_is_unverified_not_empty(session: Session) -> None:
    source = feed(session)
    source.verified = False
    add_run(session, source, "empty", items=0)  # no cassette: nothing to parse
    assert judged(session, source).verdict == "unverified"


GAPS_ONLY = {"replay/gap": 3, "downloader/request_count": 3}  # every request a declared gap


def gap_only_run(session: Session, source: Source, ago: int) -> CrawlRun:
    """A replay whose every request hit a declared gap, judged as the crawl judges it."""
    run = add_run(session, source, "running", ago=ago, items=0, stats=GAPS_ONLY)
    previous = session.get(CrawlRun, run.id - 1)
    apply_verdict(run, source, verdict(run, previous, may_be_empty=False))
    return run


def test_a_source_whose_runs_only_hit_replay_gaps_is_unverified(session: Session) -> None:
    """Before: nothing fetched, nothing stored, and the source was healthy."""
    source = feed(session)
    for ago in (120, 60):
        assert gap_only_run(session, source, ago).status == "empty"
    health = judged(session, source)
    assert (health.verdict, health.reason) == ("unverified", GAPS_ONLY_REASON)
    assert source.last_success_at is None


def test_gap_only_runs_after_a_success_are_empty(session: Session) -> None:
    source = feed(session)
    add_run(session, source, "ok", ago=180)
    gap_only_run(session, source, 60)
    assert judged(session, source).verdict == "empty"
