"""Reading one ParlInfo Hansard day (XML, schema 2.2 and older) into bill and statement records.

Pure functions: bytes in, records out. A bill debated under a `BILLS` debate is one bill record
per bill its title names, with an event per stage sub-debate; ministerial statements,
statements on significant matters and motions naming an Act or Bill are statement records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from lxml import etree

from crawlers.html_text import html_text, safe_html, squash
from models.records import BILL, EVENTS_IN_PART, STATEMENT, DocumentRecord, EventRecord
from models.text import fold

SOURCE = "au-hansard"
HOUSE = "House of Representatives"
SENATE = "Senate"
# session.header/chamber as written (folded): schema 2.2 and the older days' spellings.
CHAMBERS = {
    "house of reps": HOUSE,
    "house of representatives": HOUSE,
    "reps": HOUSE,
    "house": HOUSE,
    "senate": SENATE,
}
# Folded sub-debate titles -> common category; "" = known, carries no stage (docs/stages.md).
AU_HANSARD_STAGES = {
    "first reading": "first_reading",
    "second reading": "second_reading",
    "consideration in detail": "committee",
    "in committee": "committee",
    "committee of the whole": "committee",
    "third reading": "third_reading",
    "report from federation chamber": "report",
    "report from main committee": "report",
    "returned from senate": "passed_both",
    "returned from the senate": "passed_both",
    "returned from the house of representatives": "passed_both",
    "consideration of senate message": "amendments",
    "consideration of house of representatives message": "amendments",
    "assent": "assent",
    "referred to federation chamber": "",
    "referred to main committee": "",
    "message from the house of representatives": "",
    "message from the senate": "",
}
STATEMENT_DEBATES = frozenset({"ministerial statements", "statements on significant matters"})
MOTION_DEBATES = frozenset({"motions"})
NAMES_A_LAW = re.compile(r"\b(?:Act|Bill)\b(?:\s+\(No\.\s*\d+\))?(?:\s+\d{4})?", re.I)
# Several bills in one title: "X Bill 2026, Y Bill 2026" (a comma right after the year).
BILL_SEPARATOR = re.compile(r"(?<=\d{4}),\s+")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class HansardUnreadable(ValueError):
    """The body is not a Hansard day we can read (not XML, no session header)."""


@dataclass
class Day:
    """One chamber's sitting day: what every record of it shares."""

    day: date
    chamber: str
    proof: bool
    url: str
    fetched_at: datetime | None = None
    unmapped: list[str] = field(default_factory=list)  # stage titles no map knows

    @property
    def code(self) -> str:
        return "reps" if self.chamber == HOUSE else "senate"


def text_of(element: Any, path: str) -> str:
    return squash(element.findtext(path) or "")


def read_day(body: bytes, url: str, fetched_at: datetime | None = None) -> tuple[Any, Day]:
    """The parsed tree and its Day; HansardUnreadable when it is neither."""
    try:
        root = etree.fromstring(body.lstrip(b"\xef\xbb\xbf \r\n\t"), PARSER)
    except etree.XMLSyntaxError as error:
        raise HansardUnreadable(f"not readable XML ({error})") from error
    said_day, said_chamber = (
        text_of(root, "session.header/date"),
        text_of(root, "session.header/chamber"),
    )
    chamber = CHAMBERS.get(fold(said_chamber), "")
    try:
        day = date.fromisoformat(said_day)
    except ValueError as error:
        raise HansardUnreadable(f"no sitting date in session.header ({said_day!r})") from error
    if not chamber:
        raise HansardUnreadable(f"{day}: unknown chamber {said_chamber!r} in session.header")
    proof = text_of(root, "session.header/proof") == "1"
    return root, Day(day, chamber, proof, url, fetched_at)


def bill_titles(title: str) -> list[str]:
    return [part.strip() for part in BILL_SEPARATOR.split(squash(title)) if part.strip()]


def bill_id(title: str) -> str:
    """Identity of an Australian bill: its title with its year, case-insensitive."""
    return "bill:" + " ".join(fold(title).split())


def stage_event(title: str, day: Day) -> EventRecord:
    category = AU_HANSARD_STAGES.get(" ".join(fold(title).split()))
    if category is None:
        day.unmapped.append(title)
    return EventRecord(
        stage=title, occurred_on=day.day, chamber=day.chamber,
        stage_category=category or "", unmapped=category is None,
    )  # fmt: skip


def edition(day: Day) -> str:
    return "proof" if day.proof else "official"


def _stamp(day: Day) -> datetime:
    return datetime.combine(day.day, time(), tzinfo=UTC)


def _common(day: Day) -> dict[str, Any]:
    return {
        "source": SOURCE, "jurisdiction": "au", "url": day.url, "chamber": day.chamber,
        "published_on": day.day, "source_updated_at": _stamp(day), "source_url": day.url,
        "fetched_at": day.fetched_at, "status": edition(day),
    }  # fmt: skip


def bill_records(debate: Any, day: Day) -> list[DocumentRecord]:
    """Each bill a BILLS debate names, with the stages its sub-debates reached that day."""
    records = []
    for sub in debate.findall("subdebate.1"):
        stages = [text_of(s2, "subdebateinfo/title") for s2 in sub.findall("subdebate.2")]
        events = [stage_event(stage, day) for stage in stages if stage]
        for title in bill_titles(text_of(sub, "subdebateinfo/title")):
            # A bill's chamber is its events' (both chambers debate it); the day is no publication.
            common = {**_common(day), "status": "", "chamber": "", "published_on": None}
            records.append(
                DocumentRecord(
                    external_id=bill_id(title),
                    kind=BILL,
                    title=title,
                    events=list(events),
                    extra={"hansard": edition(day), EVENTS_IN_PART: True},
                    **common,
                )
            )
    return records


def speaker(sub: Any) -> str:
    return text_of(sub, ".//talk.start/talker/name")


def body_html(sub: Any) -> str:
    parts = [etree.tostring(p, encoding="unicode", method="html") for p in sub.iter("p")]
    return safe_html("".join(parts))


def statement_record(sub: Any, kind: str, day: Day, place: str) -> DocumentRecord:
    """One statement or motion; its id is its place in the day (debate.sub-debate) and title,
    so the official Hansard that replaces a proof one updates it."""
    title = text_of(sub, "subdebateinfo/title")
    html = body_html(sub)
    return DocumentRecord(
        external_id=f"{day.day}:{day.code}:{place}:{' '.join(fold(title).split())}",
        kind=STATEMENT, title=title, body_html=html, body_text=html_text(html),
        sponsor=speaker(sub), extra={"debate": kind, "hansard": edition(day)},
        **_common(day),
    )  # fmt: skip


def statement_records(debate: Any, kind: str, day: Day, number: int) -> list[DocumentRecord]:
    folded = fold(kind)
    records = []
    for index, sub in enumerate(debate.findall("subdebate.1")):
        title = text_of(sub, "subdebateinfo/title")
        if folded in MOTION_DEBATES and not NAMES_A_LAW.search(title):
            continue  # a motion about anything else is not ours to track
        records.append(statement_record(sub, kind, day, f"{number}.{index}"))
    return records


def day_records(root: Any, day: Day) -> list[DocumentRecord]:
    """Every bill and statement of the day, in the order the Hansard holds them."""
    records: list[DocumentRecord] = []
    for number, debate in enumerate(root.iter("debate")):
        kind = text_of(debate, "debateinfo/type") or text_of(debate, "debateinfo/title")
        if fold(kind) == "bills":
            records += bill_records(debate, day)
        elif fold(kind) in STATEMENT_DEBATES | MOTION_DEBATES:
            records += statement_records(debate, kind, day, number)
    return records
