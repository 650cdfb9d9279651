"""Which core the batch matcher runs on: the C extension (alerts/query/_matcher.c) where it was
built, else the pure Python one (alerts.query.pure_matcher), with the same interface and
results; FIVEWATCH_PURE_MATCHER=1 forces the pure one (CI runs the alert tests so too).

The choice is made on first use, not on import: commands that match no documents load neither.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from functools import cache
from typing import NamedTuple, Protocol

logger = logging.getLogger(__name__)

PURE_VARIABLE = "FIVEWATCH_PURE_MATCHER"

Fold = Callable[[str], Sequence[str]]


class BatchMatcher(Protocol):
    """What alerts.monitor uses of a core's Matcher (see _matcher.c's header)."""

    def __len__(self) -> int: ...

    def add(
        self, program: tuple[object, ...], groups: tuple[tuple[tuple[int, str, bool], ...], ...], /
    ) -> int: ...

    def match(
        self, texts: list[str], titles: list[str], filters: list[bytes], /
    ) -> list[bytes]: ...

    def candidates(
        self, texts: list[str], titles: list[str], filters: list[bytes], /
    ) -> list[int]: ...


class MatcherCore(NamedTuple):
    name: str  # "native" or "pure"
    new: Callable[[Fold], BatchMatcher]  # the core's Matcher


def native_core() -> MatcherCore | None:
    """The C core, or None where it was not built."""
    try:
        from alerts.query._matcher import Matcher
    except ImportError:
        return None
    return MatcherCore("native", Matcher)


def pure_core() -> MatcherCore:
    from alerts.query.pure_matcher import Matcher

    return MatcherCore("pure", Matcher)


def available_cores() -> list[MatcherCore]:
    """Every core this install can run: the native one first, if built."""
    native = native_core()
    return [pure_core()] if native is None else [native, pure_core()]


@cache
def chosen_core() -> MatcherCore:
    """The core Monitors use: native unless not built or FIVEWATCH_PURE_MATCHER=1."""
    forced = os.environ.get(PURE_VARIABLE) == "1"
    core = (None if forced else native_core()) or pure_core()
    built = "built" if core.name == "native" else "not built"
    why = f"{PURE_VARIABLE}=1" if forced else f"the C extension is {built}"
    logger.debug("alert matching on the %s matcher core (%s)", core.name, why)
    return core
