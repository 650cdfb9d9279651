"""Digests at 07:00 in the subscriber's time zone: daily, weekly (Monday), immediate at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.deliver import queue_deliveries
from alerts.match import match_changes
from alerts.schedule import digest_cutoff
from alerts.subscriptions import subscribe
from models import Delivery
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
    assert digest_cutoff(frequency, zone, now) == cutoff


def test_an_unknown_zone_falls_back_to_utc_loudly(caplog: pytest.LogCaptureFixture) -> None:
    assert digest_cutoff("daily", "Mars/Olympus", NOW) == datetime(2026, 11, 28, 7, tzinfo=UTC)
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
