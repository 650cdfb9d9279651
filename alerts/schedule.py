"""When digests are due: daily, and weekly on one weekday, at the subscriber's own hour in
the subscriber's own time zone (Subscriber.digest_hour, digest_weekday; 07:00 Monday unless set).

A digest carries the alerts created before its most recent slot, so the rule needs no state:
any run after the slot queues what arrived before it, and a missed run catches up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.vocabulary import Frequency

log = logging.getLogger(__name__)
DEFAULT_HOUR = 7
DEFAULT_WEEKDAY = 0  # Monday
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def subscriber_zone(name: str) -> ZoneInfo:
    """The subscriber's zone; an unknown name falls back to UTC, loudly."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: digests fall back to UTC", name)
        return ZoneInfo("UTC")


def _span(frequency: str) -> timedelta:
    return timedelta(days=7 if frequency == Frequency.WEEKLY else 1)


def _local_slot(frequency: str, zone_name: str, now: datetime, hour: int, weekday: int) -> datetime:
    """The latest digest slot at or before `now`, in local wall time. Arithmetic on an aware
    datetime of one zone is wall-clock arithmetic: the slot stays at `hour` across DST."""
    local = now.astimezone(subscriber_zone(zone_name))
    slot = datetime.combine(local.date(), time(hour), tzinfo=local.tzinfo)
    if slot > local:
        slot -= timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        slot -= timedelta(days=(slot.weekday() - weekday) % 7)
    return slot


def digest_cutoff(
    frequency: str, zone_name: str, now: datetime, *, hour: int, weekday: int
) -> datetime:
    """Alerts created at or before this instant (UTC) belong in the digest due at `now`."""
    if frequency == Frequency.IMMEDIATE:
        return now
    return _local_slot(frequency, zone_name, now, hour, weekday).astimezone(UTC)


def digest_period(
    frequency: str, zone_name: str, now: datetime, *, hour: int, weekday: int
) -> tuple[datetime, datetime]:
    """The span (UTC) the digest due at `now` covers: from the slot before to its cutoff."""
    slot = _local_slot(frequency, zone_name, now, hour, weekday)
    return (slot - _span(frequency)).astimezone(UTC), slot.astimezone(UTC)


def next_digest(
    frequency: str, zone_name: str, now: datetime, *, hour: int, weekday: int
) -> datetime:
    """The first slot after `now` (UTC): when what arrives now goes out."""
    slot = _local_slot(frequency, zone_name, now, hour, weekday)
    return (slot + _span(frequency)).astimezone(UTC)
