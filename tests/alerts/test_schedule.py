"""Digests at the subscriber's hour in its time zone (07:00 unless set): daily, weekly (Monday
unless set), immediate at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.deliver import queue_deliveries
from alerts.match import match_changes
from alerts.schedule import digest_cutoff, digest_period, next_digest
from alerts.subscriptions import subscribe
from models import Delivery, Subscriber
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

MONDAY_0700_LONDON = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "zone", "now", "cutoff"),
    [
        ("immediate", "Europe/London", NOW, NOW),
        # 06:00 in London: today's 07:00 has not come, so yesterday's slot.
        ("daily", "Europe/London", NOW, datetime(2026, 11, 28, 7, 0, tzinfo=UTC)),
        # 19:00 in Auckland (UTC+13 in November): today's 07:00 local.
        ("daily", "Pacific/Auckland", NOW, datetime(2026, 11, 28, 18, 0, tzinfo=UTC)),
        ("weekly", "Pacific/Auckland", NOW, datetime(2026, 11, 22, 18, 0, tzinfo=UTC)),
        ("weekly", "Europe/London", MONDAY_0700_LONDON, MONDAY_0700_LONDON),
        # The day clocks go forward in London: 07:00 BST is 06:00 UTC.
        ("daily", "Europe/London", datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
         datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        ("daily", "America/Toronto", NOW, datetime(2026, 11, 28, 12, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_digest_cutoff_is_seven_in_the_morning_local(
    frequency: str, zone: str, now: datetime, cutoff: datetime
) -> None:
    assert digest_cutoff(frequency, zone, now, hour=7, weekday=0) == cutoff


def test_an_unknown_zone_falls_back_to_utc_loudly(caplog: pytest.LogCaptureFixture) -> None:
    cutoff = digest_cutoff("daily", "Mars/Olympus", NOW, hour=7, weekday=0)
    assert cutoff == datetime(2026, 11, 28, 7, tzinfo=UTC)
    assert "unknown time zone 'Mars/Olympus'" in caplog.text


@pytest.fixture
def digests(session: Session, store: Store) -> None:
    """A daily and a weekly reader in London; both real bills match both."""
    subscribe(
        session, email="d@example.org", query="bill OR act", frequency="daily", confirmed=True
    )
    subscribe(
        session, email="w@example.org", query="bill OR act", frequency="weekly", confirmed=True
    )
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()


def queued(session: Session) -> list[tuple[str, str, int]]:
    rows = session.scalars(select(Delivery).order_by(Delivery.id))
    return [(d.subscriber.email, d.kind, len(d.alerts)) for d in rows]


@pytest.mark.usefixtures("digests")
def test_a_daily_digest_waits_for_seven_local_and_groups_everything(session: Session) -> None:
    assert queue_deliveries(session, NOW + timedelta(minutes=59)) == 0
    assert queue_deliveries(session, NOW + timedelta(hours=1)) == 1
    assert queued(session) == [("d@example.org", "daily", 2)]
    assert queue_deliveries(session, NOW + timedelta(hours=20)) == 0  # the weekly waits


@pytest.mark.usefixtures("digests")
def test_a_weekly_digest_waits_for_monday_seven_local(session: Session) -> None:
    queue_deliveries(session, MONDAY_0700_LONDON - timedelta(minutes=1))
    assert [kind for _, kind, _ in queued(session)] == ["daily"]
    assert queue_deliveries(session, MONDAY_0700_LONDON) == 1
    assert queued(session)[-1] == ("w@example.org", "weekly", 2)


# Sydney's clocks go forward on Sunday 4 October 2026 (AEST +10 -> AEDT +11).
FRIDAY_1800_AEST = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
FRIDAY_1800_AEDT = datetime(2026, 10, 9, 7, 0, tzinfo=UTC)
FRIDAY = 4


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (FRIDAY_1800_AEDT, FRIDAY_1800_AEDT),
        # A minute before Friday 18:00 AEDT: the Friday before, in AEST, an hour later in UTC.
        (FRIDAY_1800_AEDT - timedelta(minutes=1), FRIDAY_1800_AEST),
        (FRIDAY_1800_AEST + timedelta(days=3), FRIDAY_1800_AEST),
    ],
)
def test_a_weekly_digest_at_the_readers_hour_and_weekday_keeps_its_local_time_across_dst(
    now: datetime, cutoff: datetime
) -> None:
    assert digest_cutoff("weekly", "Australia/Sydney", now, hour=18, weekday=FRIDAY) == cutoff


def test_a_weekly_period_spans_the_clock_change_and_the_next_slot_follows() -> None:
    at = FRIDAY_1800_AEDT + timedelta(hours=2)
    zone = "Australia/Sydney"
    period = digest_period("weekly", zone, at, hour=18, weekday=FRIDAY)
    assert period == (FRIDAY_1800_AEST, FRIDAY_1800_AEDT)  # 7 days less one hour in UTC
    after = next_digest("weekly", zone, FRIDAY_1800_AEST, hour=18, weekday=FRIDAY)
    assert after == FRIDAY_1800_AEDT


def test_a_daily_slot_in_the_hour_clocks_skip_comes_an_hour_later_by_the_clock() -> None:
    """02:00 does not exist in Sydney on 4 October: the slot is the instant 02:00 AEST would be
    (03:00 AEDT), once, and the next day's is 02:00 AEDT again."""
    sunday_0300_aedt = datetime(2026, 10, 3, 16, 0, tzinfo=UTC)
    at = sunday_0300_aedt + timedelta(hours=1)
    assert digest_cutoff("daily", "Australia/Sydney", at, hour=2, weekday=0) == sunday_0300_aedt
    after = next_digest("daily", "Australia/Sydney", at, hour=2, weekday=0)
    assert after == datetime(2026, 10, 4, 15, 0, tzinfo=UTC)


@pytest.mark.usefixtures("digests")
def test_queueing_follows_each_subscribers_own_hour(session: Session) -> None:
    """The daily reader moved to 05:00 (UTC): alerts of 06:00 wait for tomorrow's 05:00,
    where 07:00 would have sent them an hour later."""
    reader = session.scalars(select(Subscriber).where(Subscriber.email == "d@example.org")).one()
    reader.digest_hour = 5
    assert queue_deliveries(session, NOW + timedelta(hours=1)) == 0
    assert queue_deliveries(session, NOW + timedelta(hours=23)) == 1
    assert queued(session) == [("d@example.org", "daily", 2)]
