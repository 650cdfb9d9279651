"""The common stage vocabulary and the UK Bills API map onto it.

Stages stay stored as the source states them; the category (one of STAGES) goes in
stage_category so alerts and filters can compare jurisdictions.
"""

from __future__ import annotations

from models.text import fold

STAGES = (
    "introduced",
    "first_reading",
    "second_reading",
    "committee",
    "report",
    "third_reading",
    "other_chamber",
    "passed_both",
    "assent",
    "withdrawn",
    "lapsed",
    "defeated",
)

# Bills API stage descriptions and abbreviations (folded), both Houses.
UK_STAGES = {
    "1st reading": "first_reading",
    "1r": "first_reading",
    "2nd reading": "second_reading",
    "2r": "second_reading",
    "second reading committee": "second_reading",
    "committee stage": "committee",
    "cs": "committee",
    "grand committee": "committee",
    "gc": "committee",
    "committee of the whole house": "committee",
    "cwh": "committee",
    "public bill committee": "committee",
    "report stage": "report",
    "rs": "report",
    "3rd reading": "third_reading",
    "3r": "third_reading",
    "consideration of amendments": "other_chamber",
    "coa": "other_chamber",
    "consideration of commons amendments": "other_chamber",
    "consideration of lords amendments": "other_chamber",
    "ping pong": "other_chamber",
    "ping-pong": "other_chamber",
    "royal assent": "assent",
    "ra": "assent",
}


def uk_stage_category(description: str, abbreviation: str = "") -> str:
    """The common category of a Bills API stage; "" when we do not know the stage."""
    for said in (description, abbreviation):
        category = UK_STAGES.get(fold(said).strip())
        if category:
            return category
    return ""
