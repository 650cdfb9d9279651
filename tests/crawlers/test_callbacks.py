"""Scrapy's per-response generator check is off (settings.py); this test does it once instead."""

from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from crawlers import settings
from crawlers.registry import spider_classes


def _callbacks() -> list[tuple[str, object]]:
    return [
        (f"{cls.name}.{name}", member)
        for cls in spider_classes()
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if inspect.isgeneratorfunction(member)
    ]


def test_the_runtime_check_is_off_so_it_must_hold_here() -> None:
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    assert len(_callbacks()) >= 20  # every spider's parse_* and *_failed generators


@pytest.mark.parametrize(("name", "callback"), _callbacks())
def test_no_generator_callback_returns_a_value(name: str, callback: object) -> None:
    assert not is_generator_with_return_value(callback), f"{name} returns a value from a generator"
