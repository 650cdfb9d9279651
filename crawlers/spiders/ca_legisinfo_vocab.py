"""LEGISinfo (Parliament of Canada) vocabulary for `ca-legisinfo-bills`.

Stage names are LEGISinfo's `BillStageNameEn` values; both chambers use the same names (the
recorded C-63, S-209, C-22 and C-34 bodies). The category is the common one of
`crawlers.stages`; a name not listed keeps an empty category and is stored as stated.
"""

from __future__ import annotations

from models.text import fold

# Folded LEGISinfo stage name (EN) -> common category.
CA_STAGES: dict[str, str] = {
    "first reading": "first_reading",
    "second reading": "second_reading",
    "consideration in committee": "committee",
    "report stage": "report",
    "third reading": "third_reading",
    "royal assent": "assent",
}

ROYAL_ASSENT = "Royal assent"

# Stage lists of `BillStages` -> the chamber they belong to.
CHAMBER_LISTS = {"HouseBillStages": "House of Commons", "SenateBillStages": "Senate"}

# `State` of a stage (observed values): 1 Not reached, 2 No activity, 3 In progress,
# 4 Completed, 5 Not completed (the session ended first).
OPEN_STATES = frozenset({"2", "3", "5"})


def stage_category(name: str) -> str:
    """The common category of a LEGISinfo stage name; "" when unknown."""
    return CA_STAGES.get(fold(name).strip(), "")
