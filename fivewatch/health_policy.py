"""Source health for the shell: the verdicts of `models.health`, with the policy from config.

The rules live in `models.health` so the admin mail (alerts) judges exactly as `sources`, the
web pages and /metrics do; this module only reads the policy from the settings.
"""

from __future__ import annotations

from typing import TypeVar

from fivewatch.config import Config
from models import health
from models.health import SourceHealth, assess, health_report, judge, recent_runs

__all__ = ["HealthPolicy", "SourceHealth", "assess", "health_report", "judge", "recent_runs"]

N = TypeVar("N", int, float)


class HealthPolicy(health.HealthPolicy):
    @classmethod
    def from_config(cls, config: Config) -> HealthPolicy:
        overrides = {
            "bills": (config.bills_interval, "FIVEWATCH_BILLS_INTERVAL"),
            "statements": (config.statements_interval, "FIVEWATCH_STATEMENTS_INTERVAL"),
        }
        # A kind left unset keeps each source's own interval (its spider's `interval_s`).
        intervals = {kind: _number(raw, env, int) for kind, (raw, env) in overrides.items() if raw}
        threshold = _number(config.error_rate_threshold, "FIVEWATCH_ERROR_RATE_THRESHOLD", float)
        return cls(intervals, threshold)


def _number(raw: str, env: str, kind: type[N]) -> N:
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r}: expected a number") from None
    if value <= 0:
        raise ValueError(f"{env}={raw!r}: expected a positive number")
    return value
