"""The UK Parliament Bills API's stages mapped onto the common vocabulary (crawlers.stages).

Stages stay stored as the Bills API states them; the category goes in stage_category.
"""

from __future__ import annotations

from crawlers.stages import second_chamber_category
from models.text import fold

# Bills API stage descriptions and abbreviations (folded), both Houses. A first or third
# reading in the House that did not originate the bill is re-categorised by `uk_stage`.
UK_STAGES = {
    "1st reading": "first_reading",
    "1r": "first_reading",
    "2nd reading": "second_reading",
    "2r": "second_reading",
    "second reading committee": "second_reading",
    "committee stage": "committee",
    "cs": "committee",
    "committee stage (re-committed clauses and schedules)": "committee",
    "select committee stage": "committee",
    "grand committee": "committee",
    "gc": "committee",
    "committee of the whole house": "committee",
    "cwh": "committee",
    "public bill committee": "committee",
    "report stage": "report",
    "rs": "report",
    "3rd reading": "third_reading",
    "3r": "third_reading",
    "consideration of amendments": "amendments",
    "coa": "amendments",
    "consideration of commons amendments": "amendments",
    "consideration of lords amendments": "amendments",
    "ping pong": "amendments",
    "ping-pong": "amendments",
    "royal assent": "assent",
    "ra": "assent",
}

# Stages the Bills API lists (GET /api/v1/Stages) that are deliberately no category: motions
# and resolutions about a bill, and the English-votes (EVEL) consent steps, which are not a
# step every bill takes towards law. Known, so never counted as unmapped.
UK_NO_CATEGORY = frozenset(
    {
        "guillotine motion",
        "programme motion",
        "money resolution",
        "ways and means resolution",
        "allocation of time motion",
        "order of commitment discharged",
        "second house examination",
        "legislative grand committee",
        "reconsideration",
        "consequential consideration",
    }
)

# The Houses a bill moves between ("Unassigned" is where the API puts Royal Assent).
UK_HOUSES = frozenset({"Commons", "Lords"})


def _key(said: str) -> str:
    return " ".join(fold(said).split())


def uk_stage_category(description: str, abbreviation: str = "") -> str:
    """The common category of a Bills API stage in the House that originated the bill.

    "" when the stage carries no category or we do not know it (see `uk_stage`).
    """
    for said in (description, abbreviation):
        category = UK_STAGES.get(_key(said))
        if category:
            return category
    return ""


def uk_stage(
    description: str, abbreviation: str = "", house: str = "", originating_house: str = ""
) -> tuple[str, bool]:
    """(category, unmapped) of a Bills API stage sitting in `house`.

    In the second House (a Commons or Lords house other than the originating one) the 1st
    reading is `other_chamber` and the 3rd reading `passed_both`; other stages keep their
    category. `unmapped` is True only for wording neither map knows.
    """
    category = uk_stage_category(description, abbreviation)
    if house in UK_HOUSES and originating_house in UK_HOUSES:
        category = second_chamber_category(category, house, originating_house)
    known = category or any(_key(said) in UK_NO_CATEGORY for said in (description, abbreviation))
    return category, not known
