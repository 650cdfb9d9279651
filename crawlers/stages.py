"""The common stage vocabulary and the second-chamber rule every bicameral parliament shares.

Stages stay stored as the source states them; the category (one of STAGES) goes in
stage_category so alerts and filters can compare jurisdictions.
"""

from __future__ import annotations

from models.vocabulary import STAGES as STAGES  # re-exported: the one common vocabulary
from models.vocabulary import StageCategory

# Readings that mean something else in the chamber that did not originate the bill.
SECOND_CHAMBER: dict[str, str] = {
    StageCategory.FIRST_READING: StageCategory.OTHER_CHAMBER,
    StageCategory.THIRD_READING: StageCategory.PASSED_BOTH,
}


def second_chamber_category(category: str, chamber: str, origin: str) -> str:
    """The category of a stage in `chamber` for a bill originated in `origin`: first and third
    reading in the other chamber are `other_chamber` and `passed_both`; the rest keep theirs
    (the same rule for every bicameral parliament, docs/stages.md)."""
    if chamber and origin and chamber != origin:
        return SECOND_CHAMBER.get(category, category)
    return category
