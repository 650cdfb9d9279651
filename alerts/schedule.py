"""When digests are due: daily and weekly at 07:00 in the subscriber's own time zone.

A digest carries the alerts created before its most recent slot, so the rule needs no state:
any run after 07:00 local queues what arrived before 07:00, and a missed run catches up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.vocabulary import Frequency

log = logging.getLogger(__name__)
DIGEST_TIME = time(7, 0)
WEEKLY_DAY = 0  # Monday


def subscriber_zone(name: str) -> ZoneInfo:
    """The subscriber's zone; an unknown name falls back to UTC, loudly."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: digests fall back to 07:00 UTC", name)
        return ZoneInfo("UTC")


def digest_cutoff(frequency: str, zone_name: str, now: datetime) -> datetime:
    """Alerts created at or before this instant (UTC) belong in the digest due at `now`."""
    if frequency == Frequency.IMMEDIATE:
        return now
    local = now.astimezone(subscriber_zone(zone_name))
    slot = datetime.combine(local.date(), DIGEST_TIME, tzinfo=local.tzinfo)
    if slot > local:
        slot -= timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        slot -= timedelta(days=(slot.weekday() - WEEKLY_DAY) % 7)
    return slot.astimezone(UTC)
