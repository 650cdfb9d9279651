"""Where a bill stands, in one place: its status badge and its progress in the common stages.

The status is read from stored facts only, in this order:
1. an outcome the source stated that is final (enacted, withdrawn, lapsed...), with its day;
2. a final stage category among its events (assent: enacted; withdrawn, lapsed, defeated...);
3. its session ended: a later session of its parliament is stored (sessions follow each other,
   so one starts only once the one before it ended): not enacted, so lapsed (no day is known);
4. the source said it is still active: active;
5. otherwise "unknown" (e.g. an AU bill: no session stored, no outcome stated), never a guess.

A session's order is the numbers in its name: "44-1" (Canada: parliament, session), "116" (a
US Congress), "session 35" (the UK Bills API's session id; a bill carried over lists later ids
in extra["session_ids"]). A jurisdiction whose bills state no session never lapses here.

Progress uses PROGRESS_STEPS: the stage categories of models.vocabulary, the way a bill moves
in all five parliaments (second reading before committee, as in the four Westminster ones; the
US has no second reading, so nothing is out of place). "Introduced" and "first reading" are one
step: both are a bill's start (US and NZ say introduced, the others first reading). Outcomes
that stop a bill (withdrawn, lapsed, defeated, vetoed) are the badge, not steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.documents import BillEvent, Document
from models.vocabulary import OUTCOME_LABELS, DocumentKind, Outcome, StageCategory, stage_label

UNKNOWN = "unknown"
# A final stage category and the outcome it means.
FINAL_STAGES: dict[str, str] = {
    StageCategory.ASSENT: Outcome.ENACTED,
    StageCategory.ADOPTED: Outcome.ADOPTED,
    StageCategory.VETOED: Outcome.VETOED,
    StageCategory.WITHDRAWN: Outcome.WITHDRAWN,
    StageCategory.LAPSED: Outcome.LAPSED,
    StageCategory.DEFEATED: Outcome.DEFEATED,
}
SessionKey = tuple[int, ...]


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    categories: tuple[str, ...]


def _step(*categories: StageCategory, label: str = "") -> Step:
    return Step(categories[0].value, label or stage_label(categories[0]), categories)


S = StageCategory
PROGRESS_STEPS: tuple[Step, ...] = (
    _step(S.INTRODUCED, S.FIRST_READING, label="Introduced / first reading"),
    _step(S.SECOND_READING),
    _step(S.COMMITTEE),
    _step(S.REPORT),
    _step(S.THIRD_READING),
    _step(S.OTHER_CHAMBER),
    _step(S.AMENDMENTS),
    _step(S.PASSED_BOTH),
    _step(S.PRESENTED),
    _step(S.ASSENT, S.ADOPTED, label="Enacted / adopted"),
)
STEP_OF: dict[str, Step] = {
    category: step for step in PROGRESS_STEPS for category in step.categories
}


@dataclass(frozen=True)
class BillStatus:
    outcome: str  # a models.vocabulary.Outcome value, or UNKNOWN
    on: date | None  # the day it was reached, when known
    reason: str  # which stored fact says so

    @property
    def label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, "Unknown")


def session_key(session: str) -> SessionKey:
    """The order of a session among its parliament's: "44-1" -> (44, 1); "" -> ()."""
    return tuple(int(number) for number in re.findall(r"\d+", session))


def _last_session(bill: Document) -> SessionKey:
    """The bill's own session, or a later one it was carried over into (UK session ids)."""
    carried = [(int(i),) for i in bill.extra.get("session_ids") or [] if str(i).isdigit()]
    return max([session_key(bill.session), *carried])


def newest_sessions(session: Session) -> dict[str, SessionKey]:
    """Each jurisdiction's newest session among its stored bills."""
    rows = session.execute(
        select(Document.jurisdiction, Document.session)
        .where(Document.kind == DocumentKind.BILL, Document.session != "")
        .distinct()
    )
    newest: dict[str, SessionKey] = {}
    for jurisdiction, name in rows:
        newest[jurisdiction] = max(newest.get(jurisdiction, ()), session_key(name))
    return newest


def _final_event(events: Iterable[BillEvent]) -> BillEvent | None:
    final = [event for event in events if event.stage_category in FINAL_STAGES]
    return final[-1] if final else None


def bill_status(bill: Document, newest: dict[str, SessionKey]) -> BillStatus:
    """The bill's status from its stored facts (see the module doc); `newest`: newest_sessions."""
    if bill.outcome and bill.outcome != Outcome.ACTIVE:
        return BillStatus(bill.outcome, bill.outcome_on, "stated by the source")
    final = _final_event(bill.events)
    if final is not None:
        reason = f"stage {final.stage or stage_label(final.stage_category)}"
        return BillStatus(FINAL_STAGES[final.stage_category], final.occurred_on, reason)
    own, latest = _last_session(bill), newest.get(bill.jurisdiction, ())
    if own and latest > own:
        said = bill.session if bill.session.startswith("session") else f"session {bill.session}"
        reason = f"{said} ended: bills of a later session are stored"
        return BillStatus(Outcome.LAPSED, None, reason)
    if bill.outcome == Outcome.ACTIVE:
        return BillStatus(Outcome.ACTIVE, None, "stated by the source")
    return BillStatus(UNKNOWN, None, "the source states no outcome and no session")


@dataclass(frozen=True)
class Reached:
    step: Step
    event: BillEvent | None  # the first event of the step (None: not reached)

    @property
    def on(self) -> date | None:
        return self.event.occurred_on if self.event else None


@dataclass(frozen=True)
class ChamberProgress:
    chamber: str
    steps: list[Reached]

    @property
    def reached(self) -> int:
        return sum(1 for step in self.steps if step.event is not None)


def _when(event: BillEvent) -> tuple[date, int]:
    return event.occurred_on or date.max, event.sequence


def first_events(events: Iterable[BillEvent]) -> dict[str, BillEvent]:
    """Each step's earliest event (undated ones last), by step key."""
    found: dict[str, BillEvent] = {}
    for event in sorted(events, key=_when):
        step = STEP_OF.get(event.stage_category)
        if step is not None and step.key not in found:
            found[step.key] = event
    return found


def progress(events: list[BillEvent]) -> list[ChamberProgress]:
    """One bar per chamber with a stage (in order of its first event): every step, reached or
    not; events of no stage category (a sitting, a calendar entry) reach none."""
    chambers: dict[str, list[BillEvent]] = {}
    for event in sorted(events, key=_when):
        if event.stage_category in STEP_OF:
            chambers.setdefault(event.chamber or "Unspecified", []).append(event)
    return [
        ChamberProgress(chamber, [Reached(s, first_events(own).get(s.key)) for s in PROGRESS_STEPS])
        for chamber, own in chambers.items()
    ]
