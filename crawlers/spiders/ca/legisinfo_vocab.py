"""LEGISinfo (Parliament of Canada) vocabulary for `ca-legisinfo-bills`.

Stage names are LEGISinfo's `BillStageNameEn` values; both chambers use the same names (the
recorded C-63, S-209, C-22 and C-34 bodies). The category is the common one of
`models.vocabulary`; a name not listed keeps an empty category, is stored as stated and marked
unmapped. The second chamber (`other_chamber`, `passed_both`) is decided per event from the
chamber that originated the bill (`crawlers.stages.second_chamber_category`). docs/stages.md,
"Canada", lists the names in both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.text import fold

# Folded LEGISinfo stage name (EN) -> common category. The first six are every
# `BillStageNameEn` of the recorded bodies (FR: Première lecture, Deuxième lecture, Examen en
# comité, Étape du rapport, Troisième lecture; royal assent: Sanction royale).
CA_STAGES: dict[str, str] = {
    "first reading": "first_reading",
    "second reading": "second_reading",
    "consideration in committee": "committee",
    "report stage": "report",
    "third reading": "third_reading",
    "royal assent": "assent",
    # Not in the recorded bodies: the stage where a chamber takes up the other's amendments
    # (LEGISinfo's "Consideration of Senate amendments" and kin, see AMENDMENTS_STAGE).
    "consideration of amendments": "amendments",
    "consideration of senate amendments": "amendments",
    "consideration of house of commons amendments": "amendments",
}
# Any other "Consideration of … amendments" / "… message(s) from the …" wording: amendments.
AMENDMENTS_STAGE = re.compile(r"^consideration of .*amendments?$|\bmessages? from the\b")

HOUSE, SENATE = "House of Commons", "Senate"
ROYAL_ASSENT = "Royal assent"
ROYAL_ASSENT_FR = "Sanction royale"

# Stage lists of `BillStages` -> the chamber they belong to.
CHAMBER_LISTS = {"HouseBillStages": HOUSE, "SenateBillStages": SENATE}

# `State` of a stage (observed values): 1 Not reached, 2 No activity, 3 In progress,
# 4 Completed, 5 Not completed (the session ended first).
OPEN_STATES = frozenset({"2", "3", "5"})


def stage_category(name: str) -> str:
    """The common category of a LEGISinfo stage name; "" when unknown."""
    folded = " ".join(fold(name).split())
    if folded in CA_STAGES:
        return CA_STAGES[folded]
    return "amendments" if AMENDMENTS_STAGE.search(folded) else ""


def is_mapped(name: str) -> bool:
    """Does the map know this stage name? (A blank name carries no stage: not unmapped.)"""
    return not name.strip() or bool(stage_category(name))


@dataclass(frozen=True)
class SessionEnd:
    """How a session of Parliament ended: bills not yet assented died with it."""

    how: str  # "prorogued" | "dissolved"
    on: date
    parliament_dissolved: date | None = None  # a prorogued session that was the Parliament's last

    def note(self, session: str) -> str:
        if self.how == "dissolved":
            return f"session {session} ended; Parliament dissolved {self.on.isoformat()}"
        note = f"session {session} prorogued {self.on.isoformat()}"
        if self.parliament_dissolved:
            note += f"; Parliament dissolved {self.parliament_dissolved.isoformat()}"
        return note


# When sessions ended: the bill bodies carry no end date (only IsSessionOngoing). Source: the
# Parliament of Canada's "Parliaments" reference (Library of Parliament, lop.parl.ca ParlInfo,
# "Parliaments" / "Sessions": dates of prorogation and dissolution). Add each session as it ends.
SESSION_ENDS: dict[str, SessionEnd] = {
    "42-1": SessionEnd("dissolved", date(2019, 9, 11)),
    "43-1": SessionEnd("prorogued", date(2020, 8, 18)),
    "43-2": SessionEnd("dissolved", date(2021, 8, 15)),
    "44-1": SessionEnd("prorogued", date(2025, 1, 6), parliament_dissolved=date(2025, 3, 23)),
}
