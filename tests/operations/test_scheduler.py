"""The scheduler's loop in-process: what is due, how long it waits, and that it always sends."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from alerts.deliver import DeliverySummary
from crawlers.process import sync_sources
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError
from fivewatch.health_policy import HealthPolicy
from fivewatch.scheduler import TICK_S, Scheduler
from models import CrawlRun, Source, utcnow
from models.db import make_session_factory
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
POLICY = HealthPolicy({"bills": 3600, "statements": 900}, error_rate_threshold=0.2)


class Sender:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> DeliverySummary:
        self.calls += 1
        return DeliverySummary()


def scheduler(db_url: str, engine: Engine, slugs: list[str], sender: Sender) -> Scheduler:
    return Scheduler(db_url, make_session_factory(engine), sender, POLICY, slugs)


def crawled_ago(engine: Engine, seconds: int) -> None:
    with Session(engine) as session:
        sync_sources(session)
        then = utcnow() - timedelta(seconds=seconds)
        session.execute(update(Source).values(last_run_at=then))
        session.commit()


def test_each_kind_is_due_at_its_own_interval(db_url: str, engine: Engine) -> None:
    crawled_ago(engine, 1000)  # past a feed's 900 s, inside a bill source's 3600 s
    loop = scheduler(db_url, engine, ["ca-gc-news", "uk-bills"], Sender())
    loop.load_schedule()
    now = utcnow()
    assert loop.next_due["ca-gc-news"] <= now
    assert loop.next_due["uk-bills"] > now
    assert loop.seconds_to_next() == 0


def test_a_source_never_crawled_is_due_at_once(db_url: str, engine: Engine) -> None:
    loop = scheduler(db_url, engine, ["nz-beehive"], Sender())
    loop.load_schedule()
    assert loop.next_due["nz-beehive"] <= utcnow()


def test_nothing_due_still_matches_and_sends_every_tick(db_url: str, engine: Engine) -> None:
    crawled_ago(engine, 10)
    sender = Sender()
    loop = scheduler(db_url, engine, ["ca-gc-news"], sender)
    loop.load_schedule()
    assert loop.seconds_to_next() == TICK_S  # not 890 s: digests are due at their hour
    loop.cycle()
    assert sender.calls == 1


def test_a_stop_request_skips_the_remaining_steps(db_url: str, engine: Engine) -> None:
    crawled_ago(engine, 10)
    sender = Sender()
    loop = scheduler(db_url, engine, ["ca-gc-news"], sender)
    loop.load_schedule()
    loop.stopping.set()
    loop.cycle()
    assert sender.calls == 0


def test_an_unknown_source_is_refused(db_url: str, engine: Engine) -> None:
    loop = scheduler(db_url, engine, ["xx-nowhere"], Sender())
    with pytest.raises(FiveWatchError, match="unknown source"):
        loop.load_schedule()


def test_a_failing_step_is_logged_and_the_cycle_goes_on(
    db_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    crawled_ago(engine, 10)

    def broken_backend() -> DeliverySummary:
        raise ConnectionRefusedError("smtp://localhost:25 refused the connection")

    loop = scheduler(db_url, engine, ["ca-gc-news"], Sender())
    loop.deliver = broken_backend
    loop.load_schedule()
    loop.cycle()
    failed = [r for r in caplog.records if r.getMessage() == "step failed"]
    assert [r.__dict__["step"] for r in failed] == ["send"]
    assert loop.verdicts == {"ca-gc-news": "unknown"}  # the health step still ran


def test_due_sources_are_crawled_in_jobs_child_processes(db_url: str, engine: Engine) -> None:
    slugs = ["ca-gc-news", "nz-beehive"]
    loop = Scheduler(
        db_url, make_session_factory(engine), Sender(), POLICY, slugs, CASSETTES, jobs=2
    )
    assert loop.crawl_command(slugs)[-4:] == ["--jobs", "2", *slugs]
    assert "--json" in loop.crawl_command(slugs)  # its run ids come as one crawl_report line
    assert db_url not in " ".join(loop.crawl_command(slugs))  # the child's environment has it
    loop.load_schedule()
    loop.crawl_due()
    with Session(engine) as session:
        runs = session.scalars(select(CrawlRun).join(Source).where(Source.slug.in_(slugs)))
        assert sorted((run.source.slug, run.status) for run in runs) == [
            ("ca-gc-news", "ok"),
            ("nz-beehive", "errors"),  # its recorded feed is cut off: entry kept, an error
        ]
    assert all(when > utcnow() for when in loop.next_due.values())


def test_a_child_crawl_without_a_report_is_named_and_the_cycle_goes_on(
    db_url: str, engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: every number in the child's stdout was taken for a run id."""
    sender = Sender()
    loop = scheduler(db_url, engine, ["ca-gc-news", "nz-beehive"], sender)
    garbage = [sys.executable, "-c", "print('crawled 12 of 34')"]
    monkeypatch.setattr(loop, "crawl_command", lambda slugs: garbage)
    loop.load_schedule()
    loop.cycle()
    [failed] = [r for r in caplog.records if r.getMessage() == "crawl process failed"]
    assert failed.__dict__["failure"] == "ca-gc-news, nz-beehive (no crawl report in its output)"
    assert not [r for r in caplog.records if r.getMessage() == "crawl run"]
    assert sender.calls == 1  # matched and sent all the same
    assert all(when > utcnow() for when in loop.next_due.values())


@pytest.mark.parametrize(("hours_ago", "due"), [(3.9, False), (4.1, True)])
def test_with_no_settings_a_four_hour_source_is_crawled_every_four_hours(
    db_url: str, engine: Engine, hours_ago: float, due: bool
) -> None:
    """Before: FIVEWATCH_BILLS_INTERVAL defaulted to 3600 s, overriding us-congress-bills' 4 h."""
    crawled_ago(engine, int(hours_ago * 3600))
    defaults = HealthPolicy.from_config(Config.from_env({}))
    loop = Scheduler(
        db_url, make_session_factory(engine), Sender(), defaults, ["us-congress-bills"]
    )
    loop.load_schedule()
    assert (loop.next_due["us-congress-bills"] <= utcnow()) is due


def test_without_a_kind_setting_a_source_is_due_at_its_own_interval(
    db_url: str, engine: Engine
) -> None:
    """The scheduler and the health verdict read one interval: policy.interval_s(source)."""
    crawled_ago(engine, 3 * 3600)  # past an hourly feed's interval, inside nz-bills' 12 hours
    own = HealthPolicy({}, error_rate_threshold=0.2)
    loop = Scheduler(
        db_url, make_session_factory(engine), Sender(), own, ["nz-beehive", "nz-bills"]
    )
    loop.load_schedule()
    now = utcnow()
    assert loop.next_due["nz-beehive"] <= now
    assert loop.next_due["nz-bills"] > now
    with Session(engine) as session:
        bills = session.scalars(select(Source).where(Source.slug == "nz-bills")).one()
        assert bills.last_run_at is not None
        interval = timedelta(seconds=own.interval_s(bills))
        assert loop.next_due["nz-bills"] == bills.last_run_at + interval
