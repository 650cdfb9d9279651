"""The status line every view shows: outcome first, the source's words, the date once."""

from __future__ import annotations

from datetime import date

import pytest

from models.vocabulary import OUTCOMES, STAGES, stage_label, status_line


@pytest.mark.parametrize(
    ("outcome", "day", "status", "line"),
    [
        (
            "lapsed",
            date(2025, 1, 6),
            "Lapsed — session 44-1 prorogued 2025-01-06; Parliament dissolved 2025-03-23",
            "Lapsed — session 44-1 prorogued 2025-01-06; Parliament dissolved 2025-03-23",
        ),
        (
            "enacted",
            date(2022, 3, 15),
            "Public Law 117-103",
            "Enacted — Public Law 117-103 (2022-03-15)",
        ),
        ("withdrawn", date(2024, 1, 2), "", "Withdrawn (2024-01-02)"),
        ("vetoed", None, "", "Vetoed"),
        ("active", None, "At second reading in the Senate", "At second reading in the Senate"),
        ("active", None, "", "Active"),
        ("", None, "anything", ""),
    ],
)
def test_the_status_line(outcome: str, day: date | None, status: str, line: str) -> None:
    assert status_line(outcome, day, status) == line


def test_every_category_and_outcome_has_a_label() -> None:
    assert all(stage_label(category) and stage_label(category) != category for category in STAGES)
    assert "lapsed" in OUTCOMES
    assert "active" in OUTCOMES
