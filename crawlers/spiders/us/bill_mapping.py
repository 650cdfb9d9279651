"""Pure mapping helpers shared by the two US bill sources.

Congress.gov API v3 JSON and GovInfo BILLSTATUS XML describe a bill with the same names
(`actions`, `sponsors`, `latestAction`, …); the XML is first turned into the JSON's shape, then
`bill_record()` builds the one `DocumentRecord` both sources produce.

Times: Congress states action times without a zone; they are Washington time (a recorded House
vote at actionTime 23:05:36 on 2021-03-03 has the roll-call time 2021-03-04T04:05:36Z), so naive
times are read as America/New_York and stored in UTC. Timestamps with `Z` or an offset keep it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.html_text import html_text
from crawlers.spiders.us.action_codes import ACTION_CODES, ACTION_TYPES
from crawlers.spiders.us.bill_vocab import (
    ACTION_CATEGORIES,
    BILL_TYPES,
    CONFERENCE,
    DECISIVE_WORDING,
    FINAL,
    LOC_HEADING,
    LOC_PRESIDENT_FROM,
    LOC_SENATE_FROM,
    PASSAGE,
)
from models.records import BILL, DocumentRecord, EventRecord

WASHINGTON = ZoneInfo("America/New_York")
FIRST_RUN_DAYS = 7  # without a watermark, look back this far from the newest update listed
MAX_STAGE = 200  # Document.current_stage / BillEvent.stage column width
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M%p")  # legacy BILLSTATUS writes "05:47PM"

Data = Mapping[str, Any]


@dataclass(frozen=True)
class BillId:
    congress: str
    type: str  # lower case: hr, s, hjres, …
    number: str

    @property
    def slug(self) -> str:
        return f"{self.congress}-{self.type}-{self.number}"


@dataclass
class BillParts:
    """Everything known about one bill, in the Congress.gov JSON shape."""

    bill: Data
    actions: list[Data] = field(default_factory=list)
    summaries: list[Data] = field(default_factory=list)
    text_versions: list[Data] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


def bill_id(bill: Data) -> BillId:
    """The bill's congress/type/number (legacy BILLSTATUS says billType/billNumber)."""
    kind = str(bill.get("type") or bill.get("billType") or "").lower()
    number = str(bill.get("number") or bill.get("billNumber") or "")
    congress = str(bill.get("congress") or "")
    if kind not in BILL_TYPES or not number.isdigit() or not congress.isdigit():
        raise KeyError(f"bill type/number/congress missing or unknown: {kind!r} {number!r}")
    return BillId(congress, kind, number)


def parse_bills_arg(bills: str) -> list[BillId]:
    """`-a bills=117/hr/1,119/s/1748`: refresh these bills instead of walking the list."""
    found = []
    for entry in filter(None, (part.strip() for part in bills.split(","))):
        congress, kind, number = entry.lower().split("/")
        found.append(bill_id({"congress": congress, "type": kind, "number": number}))
    return found


def reference(bid: BillId) -> str:
    """The citation people use: "H.R. 1", "S. 1748", "H.J.Res. 45"."""
    return f"{BILL_TYPES[bid.type][0]} {bid.number}"


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def congress_gov_url(bid: BillId) -> str:
    """The official bill page, e.g. https://www.congress.gov/bill/117th-congress/house-bill/1."""
    slug = BILL_TYPES[bid.type][1]
    return (
        f"https://www.congress.gov/bill/{ordinal(int(bid.congress))}-congress/{slug}/{bid.number}"
    )


def parse_instant(value: str | None) -> datetime | None:
    """ISO date or date-time -> aware UTC; naive values and bare dates are Washington time."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WASHINGTON)
    return parsed.astimezone(UTC)


def action_moment(day: str, clock: str | None) -> datetime | None:
    """An action's date and naive Washington time of day -> aware UTC (None without a time)."""
    if not clock:
        return None
    for fmt in _TIME_FORMATS:
        try:
            moment = datetime.strptime(clock, fmt).time()
        except ValueError:
            continue
        return datetime.combine(date.fromisoformat(day), moment, WASHINGTON).astimezone(UTC)
    raise ValueError(f"unknown action time {clock!r}")


def clip(text: str, width: int = MAX_STAGE) -> str:
    """Fit a stated stage into its column, cutting at a word and marking the cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0] + "…"


def action_chamber(action: Data) -> str:
    """House or Senate from the recording system, else from a Library of Congress code/text."""
    system = str((action.get("sourceSystem") or {}).get("name") or "")
    for chamber in ("House", "Senate"):
        if system.startswith(chamber):
            return chamber
    stated = re.search(
        r"\b(?i:in|passed|to) (?:the )?(House|Senate)\b", str(action.get("text") or "")
    )
    if stated:
        return stated.group(1)
    return _loc_code_chamber(str(action.get("actionCode") or ""))


def _loc_code_chamber(code: str) -> str:
    if code.startswith("Intro-"):
        return {"H": "House", "S": "Senate"}.get(code[-1:], "")
    if not code.isdigit() or int(code) >= LOC_PRESIDENT_FROM:
        return ""
    return "House" if int(code) < LOC_SENATE_FROM else "Senate"


_SIMPLE_RESOLUTIONS = ("hres", "sres")  # one chamber's agreement is final
_CONCURRENT_RESOLUTIONS = ("hconres", "sconres")  # final once both agreed; no President


@dataclass(frozen=True)
class ActionStage:
    """What an action says about a bill's stage (see `action_stage`)."""

    category: str  # one of models.vocabulary.STAGES, or "" for none
    unmapped: bool = False  # a code or wording no map knows (never a known no-stage action)
    conference_agreed: bool = False  # a chamber agreed to a conference report


def _first_match(
    patterns: Sequence[tuple[re.Pattern[str], str | None]], *texts: str
) -> tuple[bool, str | None]:
    """(matched, category) of the first pattern matching one of the texts."""
    for pattern, category in patterns:
        if any(pattern.search(text) for text in texts):
            return True, category
    return False, None


def _placed(category: str, chamber: str, origin_chamber: str, bill_type: str) -> str:
    """A passage or final agreement placed by chamber and bill type; other categories as is."""
    second = bool(chamber and origin_chamber and chamber != origin_chamber)
    if category in (PASSAGE, "third_reading"):
        if bill_type in _SIMPLE_RESOLUTIONS:
            return "adopted"
        if not second:
            return "third_reading"
        category = FINAL
    if category == FINAL:
        return "adopted" if bill_type in _CONCURRENT_RESOLUTIONS else "passed_both"
    if category == CONFERENCE:
        return "amendments"
    return category


def action_stage(action: Data, origin_chamber: str, bill_type: str = "") -> ActionStage:
    """The stage an action marks: its wording when decisive (a failed vote, a veto, an
    override, the final agreement between chambers), else its Library of Congress code, else
    its wording, else its type (`action_codes.ACTION_TYPES`). Passages are placed by the
    action's chamber against `origin_chamber` and by `bill_type` (hr, s, hres, hconres, …)."""
    text = " ".join(str(action.get("text") or "").split())
    texts = (text, LOC_HEADING.sub("", text))
    chamber = action_chamber(action)
    code = str(action.get("actionCode") or "").strip()
    known, category = _first_match(DECISIVE_WORDING, *texts)
    if not known and code in ACTION_CODES:
        known, category = True, ACTION_CODES[code][1]
    if not known:
        known, category = _first_match(ACTION_CATEGORIES, *texts)
    carries_stage, by_type = ACTION_TYPES.get(str(action.get("type") or ""), (False, None))
    if not known and by_type:
        known, category = True, by_type
    if category is None:
        unmapped = not known and (bool(code) or carries_stage)
        return ActionStage("", unmapped=unmapped)
    placed = _placed(category, chamber, origin_chamber, bill_type)
    return ActionStage(placed, conference_agreed=category == CONFERENCE)


def action_category(action: Data, origin_chamber: str, bill_type: str = "") -> str:
    """The common stage category of an action ("" when it marks none)."""
    return action_stage(action, origin_chamber, bill_type).category


def action_key(action: Data, *, with_committees: bool = False) -> str:
    """Actions have no id: date, time, code, recorder and text identify one (same-day repeats
    of a text, such as the House resuming consideration three times, differ by time).
    `with_committees` also reads the committees, for actions that differ only there."""
    system = action.get("sourceSystem") or {}
    parts = [
        action.get("actionDate"),
        action.get("actionTime"),
        action.get("actionCode"),
        system.get("name"),
        action.get("text"),
    ]
    if with_committees:
        parts += [c.get("systemCode") or c.get("name") for c in items(action.get("committees"))]
    said = "|".join(str(part or "") for part in parts)
    return "a:" + hashlib.sha256(said.encode("utf-8")).hexdigest()[:32]


def _distinct_keys(staged: Sequence[tuple[EventRecord, Data]]) -> None:
    """A referral to two committees is two actions with one text (H.R. 1500, 2019-03-05): the
    later ones of a key get their committees in it. The first keeps the plain key, so an event
    stored under it before keeps matching."""
    seen: set[str] = set()
    for event, action in staged:
        if event.key in seen:
            event.key = action_key(action, with_committees=True)
        seen.add(event.key)


def action_event(action: Data, origin_chamber: str, bill_type: str = "") -> EventRecord:
    return _event(action, action_stage(action, origin_chamber, bill_type))


def _event(action: Data, stage: ActionStage) -> EventRecord:
    text = " ".join(str(action["text"]).split())
    day = str(action["actionDate"])
    return EventRecord(
        stage=clip(text),
        occurred_on=date.fromisoformat(day),
        occurred_at=action_moment(day, action.get("actionTime")),
        chamber=action_chamber(action),
        description=text,
        stage_category=stage.category,
        key=action_key(action),
        unmapped=stage.unmapped,
    )


def action_events(
    actions: Sequence[Data], origin_chamber: str, bill_type: str = ""
) -> list[EventRecord]:
    """Events oldest first (sources list newest first); actions without text are skipped.

    A conference report agreed to once the other chamber has agreed to it ends the
    differences: `passed_both` (`adopted` for a concurrent resolution), not `amendments`."""
    staged = [
        (_event(a, stage), stage, a)
        for a in reversed(actions)
        if a.get("text")
        for stage in (action_stage(a, origin_chamber, bill_type),)
    ]
    staged.sort(key=lambda entry: entry[0].occurred_on or date.min)  # stable within a day
    _distinct_keys([(event, action) for event, _, action in staged])
    agreed: set[str] = set()
    for event, stage, _ in staged:
        if not stage.conference_agreed:
            continue
        if agreed - {event.chamber}:
            event.stage_category = _placed(FINAL, event.chamber, origin_chamber, bill_type)
        agreed.add(event.chamber)
    return [event for event, _, _ in staged]


def items(value: Any, *wrappers: str) -> list[Data]:
    """The records under a container, whether a bare list, under `item`, or a legacy wrapper."""
    if isinstance(value, dict):
        for key in ("item", *wrappers):
            if key in value:
                return items(value[key], *wrappers)
        return [value] if value else []
    entries = value if isinstance(value, list) else []
    return [entry for entry in entries if isinstance(entry, dict)]


def subject_names(subjects: Any) -> list[str]:
    """Legislative subjects: `legislativeSubjects` (JSON, 3.0.0) or legacy `otherSubjects`."""
    if not isinstance(subjects, dict):
        return []
    legacy = subjects.get("billSubjects")
    found = items(subjects.get("legislativeSubjects")) or items(
        legacy.get("otherSubjects") if isinstance(legacy, dict) else None
    )
    return [str(subject["name"]) for subject in found if subject.get("name")]


def summary_html(summary: Data) -> str | None:
    """A summary's HTML however it is wrapped: `text` (Congress.gov JSON, legacy BILLSTATUS
    `<billSummaries><item><text>`, 3.0.0 samples `<summary><text>`) or `cdata/text` (3.0.0 as
    served: `<summary><cdata><text>`). None when it holds none of these layouts."""
    for holder in (summary, summary.get("cdata")):
        text = holder.get("text") if isinstance(holder, Mapping) else None
        if isinstance(text, str) and text.strip():
            return text
    return None


def latest_summary(summaries: Sequence[Data]) -> str:
    """The newest readable summary (highest action date, then update date) as plain text."""
    readable = [s for s in summaries if summary_html(s) is not None]
    if not readable:
        return ""
    newest = max(readable, key=lambda s: (str(s.get("actionDate")), str(s.get("updateDate"))))
    return html_text(summary_html(newest) or "")


def summary_problems(parts: BillParts) -> list[str]:
    """One line per summary holding none of the known layouts, naming the bill: it is left
    out (never stored as an empty summary) and the spider reports it."""
    label = bill_label(bill_id(parts.bill))
    return [
        f"{label}: summary {s.get('versionCode') or '?'} of {s.get('actionDate') or '?'}"
        f" ({s.get('actionDesc') or s.get('name') or 'no description'}) has no text in a known"
        f" layout (text, cdata/text; found {', '.join(sorted(s)) or 'nothing'}); left out"
        for s in parts.summaries
        if summary_html(s) is None
    ]


def text_links(text_versions: Sequence[Data]) -> list[dict[str, str]]:
    """Each published text version and format as {title, url, type, date} (Washington date)."""
    links = []
    for version in text_versions:
        stamp = parse_instant(version.get("date") or None)
        day = stamp.astimezone(WASHINGTON).date().isoformat() if stamp else ""
        for fmt in version.get("formats") or []:
            if fmt.get("url"):
                links.append(
                    {
                        "title": str(version.get("type") or ""),
                        "url": str(fmt["url"]),
                        "type": str(fmt.get("type") or ""),
                        "date": day,
                    }
                )
    return links


def law_labels(bill: Data) -> list[str]:
    """ "Public Law 114-70" for each law the bill became."""
    return [
        f"{law.get('type')} {law.get('number')}"
        for law in bill.get("laws") or []
        if law.get("number")
    ]


def bill_label(bid: BillId) -> str:
    """How errors name a bill: "H.R. 1500 (116th)"."""
    return f"{reference(bid)} ({ordinal(int(bid.congress))})"


# The bill a request is for: Congress.gov API paths and GovInfo BILLSTATUS file names.
_URL_BILL = (
    re.compile(r"/v3/bill/(\d+)/([a-z]+)/(\d+)(?:[/?#]|$)"),
    re.compile(r"/BILLSTATUS-(\d+)([a-z]+)(\d+)\.xml\b"),
)


def url_bill_label(url: str) -> str:
    """ "H.R. 1500 (116th)" when the URL names one bill, else ""."""
    for pattern in _URL_BILL:
        found = pattern.search(url)
        if found and found.group(2) in BILL_TYPES:
            return bill_label(BillId(*found.groups()))
    return ""


def naming_bill(url: str, cause: str) -> str:
    """The cause of an error, led by the bill the URL is for (once)."""
    label = url_bill_label(url)
    return f"{label}: {cause}" if label and not cause.startswith(label) else cause


def bill_titles(bill: Data) -> list[dict[str, str]]:
    """Every title the source gives, as {"type", "title", "language"}: the `titles` items with
    their `titleType` as stated, in source order, the same type and title once. Without items
    (Congress.gov's detail only links to them) the `title` field alone, typed "Display Title":
    in every BILLSTATUS file we hold, `<title>` is the "Display Title" item."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for entry in items(bill.get("titles")):
        kind, title = (" ".join(str(entry.get(k) or "").split()) for k in ("titleType", "title"))
        if kind and title:
            found.setdefault((kind, title), {"type": kind, "title": title, "language": "en"})
    if not found and bill.get("title"):
        title = " ".join(str(bill["title"]).split())
        found[("", title)] = {"type": "Display Title", "title": title, "language": "en"}
    return list(found.values())


# "Became Public Law No: 117-108." -> the law's number, for the status line of an enacted bill
# whose `laws` are not filled yet.
_BECAME_LAW = re.compile(r"^became (public|private) law(?: no:? ?(\d+-\d+))?", re.IGNORECASE)
_CHAMBERS = {"House", "Senate"}
_PASSAGES = ("third_reading", "passed_both", "adopted")


@dataclass(frozen=True)
class Outcome:
    outcome: str  # models.vocabulary.OUTCOMES
    on: date | None
    status: str  # what the status line says


def congress_end(congress: int) -> datetime:
    """When a Congress ends: noon on 3 January of year 1789 + 2N (20th Amendment, from the
    73rd on: the 116th ended 2021-01-03), before that on 4 March, Washington time."""
    year = 1789 + 2 * congress
    day = date(year, 1, 3) if congress >= 73 else date(year, 3, 4)
    return datetime.combine(day, time(12), WASHINGTON)


def _law_status(laws: list[str], text: str) -> str:
    """ "Public Law 117-108" from the laws, else from the action ("Became Public Law No: …")."""
    if laws:
        return "; ".join(laws)
    stated = _BECAME_LAW.search(text)
    return f"{stated[1].capitalize()} Law {stated[2]}" if stated and stated[2] else text


def _last(events: Sequence[EventRecord], *categories: str) -> int | None:
    """The index of the newest event of one of `categories`."""
    found = (i for i in reversed(range(len(events))) if events[i].stage_category in categories)
    return next(found, None)


def _veto(events: Sequence[EventRecord]) -> int | None:
    """The veto itself: the first `vetoed` event since the bill was last presented (a failed
    override after it is `vetoed` too, and says nothing new)."""
    presented = _last(events, "presented")
    start = 0 if presented is None else presented + 1
    return next(
        (i for i in range(start, len(events)) if events[i].stage_category == "vetoed"), None
    )


def _stood(event: EventRecord, outcome: str, status: str = "") -> Outcome:
    return Outcome(outcome, event.occurred_on, clip(status or event.description))


def _decided(events: Sequence[EventRecord], laws: list[str]) -> Outcome | None:
    """Enacted, vetoed, defeated or adopted, read from the events' categories; None when the
    bill is still where its chambers left it."""
    enacted = _last(events, "assent")
    if enacted is not None or laws:
        if enacted is None:
            return Outcome("enacted", None, clip("; ".join(laws)))
        law = events[enacted]
        return _stood(law, "enacted", _law_status(laws, law.description))
    veto = _veto(events)
    if veto is not None:
        overrides = [e for e in events[veto:] if e.stage_category == "veto_override"]
        if {event.chamber for event in overrides} >= _CHAMBERS:
            return _stood(overrides[-1], "enacted")
        return _stood(events[veto], "vetoed")
    defeated = _last(events, "defeated")
    if defeated is not None and _last(events[defeated:], *_PASSAGES) is None:
        return _stood(events[defeated], "defeated")
    adopted = _last(events, "adopted")
    return None if adopted is None else _stood(events[adopted], "adopted")


def bill_outcome(parts: BillParts, events: Sequence[EventRecord], fetched_at: datetime) -> Outcome:
    """Where the bill stands for good (enacted, vetoed, defeated, adopted, lapsed) or "active",
    from its laws and its events' categories (`events`: `action_events` of its actions, or of
    its latest action alone when no actions arrived)."""
    bill, bid = parts.bill, bill_id(parts.bill)
    decided = _decided(events, law_labels(bill))
    if decided is not None:
        return decided
    end = congress_end(int(bid.congress))
    if fetched_at >= end:
        status = f"Lapsed — {ordinal(int(bid.congress))} Congress ended {end.date()}"
        return Outcome("lapsed", end.date(), status)
    latest = str((bill.get("latestAction") or {}).get("text") or "")
    return Outcome("active", None, clip(latest or (events[-1].description if events else "")))


def _progress(events: Sequence[EventRecord], latest_text: str, origin: str, bill_type: str) -> str:
    """How far the bill got: the newest categorised event, else what the latest action says."""
    categories = [event.stage_category for event in events if event.stage_category]
    if categories:
        return categories[-1]
    return action_category({"text": latest_text}, origin, bill_type)


def _current_chamber(events: Sequence[EventRecord], origin: str) -> str:
    chambers = [event.chamber for event in events if event.chamber]
    return chambers[-1] if chambers else origin


def _extra(parts: BillParts) -> dict[str, Any]:
    extra: dict[str, Any] = {"texts": text_links(parts.text_versions)}
    policy_area = (parts.bill.get("policyArea") or {}).get("name")
    for name, value in (
        ("laws", law_labels(parts.bill)),
        ("policy_area", policy_area),
        ("subjects", parts.subjects),
    ):
        if value:
            extra[name] = value
    return extra


def _updated_at(bill: Data) -> datetime | None:
    stamps = [parse_instant(bill.get(name)) for name in ("updateDate", "updateDateIncludingText")]
    return max((stamp for stamp in stamps if stamp), default=None)


def bill_record(
    parts: BillParts, *, source: str, source_url: str, fetched_at: datetime
) -> DocumentRecord:
    """One bill, whichever US source described it."""
    bill, bid = parts.bill, bill_id(parts.bill)
    origin = str(bill.get("originChamber") or "")
    events = action_events(parts.actions, origin, bid.type)
    latest_action = bill.get("latestAction") or {}
    latest = str(latest_action.get("text") or "")
    sponsors = bill.get("sponsors") or [{}]
    introduced = bill.get("introducedDate")
    # No actions arrived (a list entry alone): its latest action still says how it stands.
    dated = [latest_action] if latest_action.get("actionDate") and latest else []
    outcome = bill_outcome(parts, events or action_events(dated, origin, bid.type), fetched_at)
    return DocumentRecord(
        source=source,
        external_id=bid.slug,
        kind=BILL,
        jurisdiction="us",
        title=" ".join(str(bill["title"]).split()),
        reference=reference(bid),
        session=bid.congress,
        url=congress_gov_url(bid),
        summary=latest_summary(parts.summaries),
        published_on=date.fromisoformat(introduced) if introduced else None,
        source_updated_at=_updated_at(bill),
        current_stage=clip(latest),
        stage_category=_progress(events, latest, origin, bid.type),
        chamber=_current_chamber(events, origin),
        status=outcome.status,
        outcome=outcome.outcome,
        outcome_on=outcome.on,
        titles=bill_titles(bill),
        sponsor=str(sponsors[0].get("fullName") or ""),
        extra=_extra(parts),
        events=events,
        source_url=source_url,
        fetched_at=fetched_at,
    )
