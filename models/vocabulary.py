"""The common vocabulary every jurisdiction maps onto: stage categories and bill outcomes.

Stages stay stored as each source states them; the category goes in `stage_category` so
alerts, filters and compare can line five parliaments up. `docs/stages.md` says which source
wording and codes map to each category.

The second chamber means the same everywhere: `other_chamber` is the bill arriving in the
chamber that did not originate it (US "Received in the Senate", a UK bill's first reading in the
other House, a Canadian bill's first reading in the other chamber), and `passed_both` is that
chamber passing it (or the originating chamber agreeing to its amendments). Readings and
committee work in the second chamber keep their own categories with the event's chamber.
"""

from __future__ import annotations

from datetime import date

# In the order a bill moves; the label is what people read.
STAGE_LABELS: dict[str, str] = {
    "introduced": "Introduced",
    "first_reading": "First reading",
    "committee": "Committee",
    "report": "Reported / report stage",
    "second_reading": "Second reading",
    "third_reading": "Passed first chamber",
    "other_chamber": "In the second chamber",
    "amendments": "Amendments between chambers",
    "passed_both": "Passed both chambers",
    "adopted": "Adopted (resolution)",
    "presented": "Presented for assent",
    "assent": "Assent / enacted",
    "vetoed": "Vetoed",
    "veto_override": "Veto override vote passed",
    "withdrawn": "Withdrawn",
    "lapsed": "Lapsed",
    "defeated": "Defeated",
}
STAGES = tuple(STAGE_LABELS)

ACTIVE = "active"
# A bill's outcome: where it stands for good, or still moving (ACTIVE).
OUTCOME_LABELS: dict[str, str] = {
    ACTIVE: "Active",
    "enacted": "Enacted",
    "adopted": "Adopted",
    "vetoed": "Vetoed",
    "defeated": "Defeated",
    "withdrawn": "Withdrawn",
    "lapsed": "Lapsed",
}
OUTCOMES = tuple(OUTCOME_LABELS)


def stage_label(category: str) -> str:
    return STAGE_LABELS.get(category, category.replace("_", " ").capitalize())


def status_line(outcome: str, outcome_on: date | None, status: str = "") -> str:
    """What a bill's status says, badge first: "Lapsed — session 44-1 prorogued 2025-01-06".

    `status` is the source's own words (a law number, how the session ended); the outcome's
    label leads unless those words already start with it, and its date follows unless they
    already hold it. A still active bill says its status as stated; a statement (no outcome)
    says nothing.
    """
    if not outcome:
        return ""
    if outcome == ACTIVE:
        return status or OUTCOME_LABELS[ACTIVE]
    label = OUTCOME_LABELS.get(outcome, outcome.capitalize())
    line = status if status.casefold().startswith(label.casefold()) else ""
    if not line:
        line = f"{label} — {status}" if status else label
    day = outcome_on.isoformat() if outcome_on else ""
    return f"{line} ({day})" if day and day not in line else line
