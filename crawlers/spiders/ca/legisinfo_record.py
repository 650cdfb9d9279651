"""One LEGISinfo bill (JSON form, or XML turned into it) -> the DocumentRecord FiveWatch stores.

- Times: detail times are naive Ottawa local time (America/Toronto), stored in UTC. A time of
  exactly 00:00:00 is LEGISinfo's way of giving a date alone (sittings, most first readings):
  such an event gets `occurred_on` and no `occurred_at`.
- Text: both forms state the same bill, but the XML writes straight apostrophes where the JSON
  has typographic ones (S-209 "young persons’"); they are unified to "'" so the two forms give
  one record and a switch of form never looks like a new version.
- Events, per chamber and stage: the significant events (readings, referral, committee report,
  with LEGISinfo's completion flag), the sittings that debated the bill (a sitting that only
  repeats a significant event of the same day is left out), committee meetings, recorded
  decisions, and royal assent. Keys are built from the source's own ids (stage, event type,
  sitting number, committee, decision id) so re-crawls and either form give the same key.
- Stage categories (docs/stages.md "Canada"): from the English stage name; in the chamber that
  did not originate the bill (`IsSenateBill`) first reading is `other_chamber` and third reading
  `passed_both`. A name the map does not know is kept as stated, marked `unmapped`. Every event
  carries the French stage name (`BillStageNameFr`) as `stage_alt`.
- Current stage: the ongoing stage as stated (`OngoingStageNameEn`) and its chamber; category
  "assent" after royal assent, "defeated" after a defeating event, "lapsed" when the session
  ended without assent (C-63 died at second reading in 44-1).
- Outcome: royal assent -> enacted (assent date); a defeating event -> defeated (its date);
  `IsSessionOngoing` false -> lapsed on the day the session ended (SESSION_ENDS: the bodies do
  not say when); else active with LEGISinfo's status words.
- Summaries: `ShortLegislativeSummaryEn` (else the unsuffixed `ShortLegislativeSummary`, an
  English copy) and `ShortLegislativeSummaryFr`: HTML in a `<div>` (JSON: a string; XML: the
  same markup escaped as text; none: null, an empty element or whitespace). Any other wrapper,
  markup that gives no text, or a summary in one language only is logged naming the bill.
- Titles: long and short, English and French, all in `titles`; `title` is the long English one.
- Errors name the bill (session/number, from the body or else as asked) as well as the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from crawlers.errors import LayoutChanged
from crawlers.html_text import html_text
from crawlers.spiders.ca.legisinfo_forms import TORONTO, Data
from crawlers.spiders.ca.legisinfo_vocab import (
    CHAMBER_LISTS,
    HOUSE,
    OPEN_STATES,
    ROYAL_ASSENT,
    ROYAL_ASSENT_FR,
    SENATE,
    SESSION_ENDS,
    is_mapped,
    stage_category,
)
from crawlers.stages import second_chamber_category
from models.records import BILL, DocumentRecord, EventRecord

BILL_PAGE = "https://www.parl.ca/legisinfo/en/bill/{session}/{number}"
REQUIRED = ("NumberCode", "ParliamentNumber", "SessionNumber", "BillStages")
# Summary fields per language, first found wins: the unsuffixed one is an English copy.
SUMMARY_KEYS = {
    "en": ("ShortLegislativeSummaryEn", "ShortLegislativeSummary"),
    "fr": ("ShortLegislativeSummaryFr",),
}
SUMMARY_WRAPPER = "<div"  # every recorded summary is one <div>…</div> with <br/> breaks


def text(value: Any) -> str:
    """A scalar of either form as one line of text (None -> "", XML/JSON booleans alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).replace("\u2019", "'").split())


def items(value: Any) -> list[Data]:
    return [item for item in value or [] if isinstance(item, dict)]


def instant(value: Any) -> datetime | None:
    """A LEGISinfo time as aware UTC: naive times are Ottawa local time."""
    stated = text(value)
    if not stated:
        return None
    parsed = datetime.fromisoformat(stated)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=TORONTO)).astimezone(UTC)


def moment(value: Any) -> tuple[date | None, datetime | None]:
    """A LEGISinfo time -> (Ottawa date, UTC instant or None when only a date was given)."""
    at = instant(value)
    if at is None:
        return None, None
    date_only = text(value).endswith("T00:00:00")
    return at.astimezone(TORONTO).date(), None if date_only else at


def _event(day: Any, stage: Data, chamber: str, key: str, description: str) -> EventRecord:
    occurred_on, occurred_at = moment(day)
    name = text(stage.get("BillStageNameEn"))
    return EventRecord(
        stage=name,
        occurred_on=occurred_on,
        occurred_at=occurred_at,
        chamber=chamber,
        description=description,
        stage_category=stage_category(name),
        key=key,
        stage_alt=text(stage.get("BillStageNameFr")),
        unmapped=not is_mapped(name),
    )


def _with_info(name: str, info: Any) -> str:
    return f"{name}: {text(info)}" if text(info) else name


def significant_events(stage: Data, chamber: str, prefix: str) -> list[EventRecord]:
    events = []
    for item in items(stage.get("SignificantEvents")):
        day = item.get("EventDateTime")
        key = f"{prefix}/event/{text(item.get('EventTypeId'))}/{text(day)[:10]}"
        name = _with_info(text(item.get("EventNameEn")), item.get("AdditionalInformationEn"))
        event = _event(day, stage, chamber, key, name)
        if text(item.get("IsDefeatedEvent")) == "true":
            event.stage_category = "defeated"
        events.append(event)
    return events


def sitting_events(stage: Data, chamber: str, prefix: str) -> list[EventRecord]:
    noted = {
        (text(item.get("EventNameEn")), text(item.get("EventDateTime"))[:10])
        for item in items(stage.get("SignificantEvents"))
    }
    events = []
    for item in items(stage.get("Sittings")):
        name, number = text(item.get("NameEn")), text(item.get("Number"))
        if (name, text(item.get("Date"))[:10]) in noted:
            continue
        description = _with_info(f"{name} (sitting {number})", item.get("AdditionalInformationEn"))
        key = f"{prefix}/sitting/{number}/{name}"
        events.append(_event(item.get("Date"), stage, chamber, key, description))
    return events


def _meeting(item: Data) -> tuple[Any, str, str]:
    """(day, key, description) of a committee meeting on the bill."""
    committee, number = text(item.get("CommitteeAcronym")), text(item.get("Number"))
    description = f"Committee meeting {number}: {text(item.get('CommitteeNameEn'))}"
    return item.get("Date"), f"meeting/{committee}/{number}", description


def _decision(item: Data) -> tuple[Any, str, str]:
    """(day, key, description) of a recorded decision (a vote on a motion about the bill)."""
    method = text(item.get("DecisionMethodNameEn"))
    description = (
        f"{text(item.get('DecisionMotionTitleEn'))}: {text(item.get('DecisionResultNameEn'))}"
    )
    description += f" ({method})" if method else ""
    return (
        item.get("DecisionSittingDate"),
        f"decision/{text(item.get('DecisionProceduralEventId'))}",
        description,
    )


def meeting_events(stage: Data, chamber: str, prefix: str) -> list[EventRecord]:
    return _described(stage, "CommitteeMeetings", _meeting, chamber, prefix)


def decision_events(stage: Data, chamber: str, prefix: str) -> list[EventRecord]:
    return _described(stage, "Decisions", _decision, chamber, prefix)


def _described(
    stage: Data,
    key: str,
    describe: Callable[[Data], tuple[Any, str, str]],
    chamber: str,
    prefix: str,
) -> list[EventRecord]:
    described = (describe(item) for item in items(stage.get(key)))
    return [
        _event(day, stage, chamber, f"{prefix}/{suffix}", description)
        for day, suffix, description in described
    ]


def _stages(bill: Data) -> Iterable[tuple[str, str, Data]]:
    """(list name, chamber, stage) for every House and Senate stage, in source order."""
    stages = bill.get("BillStages") or {}
    for list_name, chamber in CHAMBER_LISTS.items():
        for stage in items(stages.get(list_name)):
            yield list_name, chamber, stage


def _sort_key(event: EventRecord) -> tuple[date, bool, datetime]:
    """Oldest first; within a day, date-only events before timed ones (stable otherwise)."""
    at = event.occurred_at
    return (event.occurred_on or date.max, at is not None, at or datetime.min.replace(tzinfo=UTC))


def origin_chamber(bill: Data) -> str:
    return SENATE if text(bill.get("IsSenateBill")) == "true" else HOUSE


def bill_events(bill: Data) -> list[EventRecord]:
    events: list[EventRecord] = []
    for list_name, chamber, stage in _stages(bill):
        prefix = f"{list_name[0]}{text(stage.get('BillStageId'))}"
        for build in (sitting_events, meeting_events, significant_events, decision_events):
            events.extend(build(stage, chamber, prefix))
    assent = bill.get("ReceivedRoyalAssentDateTime")
    if text(assent):
        stage = {"BillStageNameEn": ROYAL_ASSENT, "BillStageNameFr": ROYAL_ASSENT_FR}
        events.append(_event(assent, stage, "", "royal-assent", ROYAL_ASSENT))
    origin = origin_chamber(bill)
    for event in events:
        if event.stage_category != "defeated":
            event.stage_category = second_chamber_category(
                event.stage_category, event.chamber, origin
            )
    return sorted(events, key=_sort_key)


def current_stage(bill: Data) -> tuple[str, str]:
    """(stage as stated, chamber): the ongoing stage if still open, else the first open one
    (C-34 names its completed first reading "ongoing" while its status says second reading),
    else the latest completed one."""
    if text(bill.get("ReceivedRoyalAssentDateTime")):
        return ROYAL_ASSENT, ""
    open_stages = [
        (chamber, stage) for _, chamber, stage in _stages(bill)
        if text(stage.get("State")) in OPEN_STATES
    ]  # fmt: skip
    ongoing = text(bill.get("OngoingStageId"))
    ranked = sorted(open_stages, key=lambda pair: text(pair[1].get("BillStageId")) != ongoing)
    for chamber, stage in ranked[:1]:
        return text(stage.get("BillStageNameEn")), chamber
    return (
        text(bill.get("LatestCompletedBillStageNameEn")),
        text(bill.get("LatestCompletedBillStageChamberNameEn")),
    )


def progress(bill: Data, stage: str, chamber: str, events: list[EventRecord]) -> str:
    if stage == ROYAL_ASSENT:
        return "assent"
    if any(event.stage_category == "defeated" for event in events):
        return "defeated"
    if text(bill.get("IsSessionOngoing")) == "false":
        return "lapsed"
    return second_chamber_category(stage_category(stage), chamber, origin_chamber(bill))


def outcome(bill: Data, session: str, events: list[EventRecord]) -> tuple[str, date | None, str]:
    """(outcome, the day it was reached, status words): see the module doc."""
    assented, _ = moment(bill.get("ReceivedRoyalAssentDateTime"))
    if assented:
        return "enacted", assented, f"Royal assent {assented.isoformat()}"
    defeat = next((event for event in events if event.stage_category == "defeated"), None)
    if defeat:
        where = f" at {defeat.stage.lower()}" if defeat.stage else ""
        where += f" in the {defeat.chamber}" if defeat.chamber else ""
        day = defeat.occurred_on.isoformat() if defeat.occurred_on else ""
        return "defeated", defeat.occurred_on, " ".join(filter(None, (f"Defeated{where}", day)))
    if text(bill.get("IsSessionOngoing")) == "false":
        end = SESSION_ENDS.get(session)
        note = end.note(session) if end else f"session {session} ended"
        if text(bill.get("DidReinstateInNextSession")) == "true":
            note += "; reinstated in the next session"
        return "lapsed", end.on if end else None, f"Lapsed — {note}"
    return "active", None, text(bill.get("StatusNameEn"))


def titles(bill: Data) -> list[dict[str, str]]:
    """Every title LEGISinfo gives, long then short, English then French (blank ones left out)."""
    stated = (
        (kind, text(bill.get(f"{key}{suffix}")), language)
        for kind, key in (("Long title", "LongTitle"), ("Short title", "ShortTitle"))
        for suffix, language in (("En", "en"), ("Fr", "fr"))
    )
    return [
        {"type": kind, "title": title, "language": language}
        for kind, title, language in stated
        if title
    ]


def summary(bill: Data, language: str, name: str, source: str) -> str:
    """The short legislative summary as text; odd layouts are logged naming the bill."""
    keys = SUMMARY_KEYS[language]
    markup = next((str(bill[key]) for key in keys if text(bill.get(key))), "")
    if not markup:
        return ""
    log = logging.getLogger(f"crawlers.{source}")
    if not markup.lstrip().lower().startswith(SUMMARY_WRAPPER):
        log.warning("bill %s: %s in a wrapper never seen: %r", name, keys[0], markup[:60])
    said = html_text(markup).replace("\u2019", "'")
    if not said:
        log.warning("bill %s: %s has markup but no text: %r", name, keys[0], markup[:60])
    return said


def sponsor(bill: Data) -> str:
    name, title = text(bill.get("SponsorPersonName")), text(bill.get("SponsorAffiliationTitleEn"))
    return f"{name} ({title})" if name and title else name


def _extra(bill: Data) -> dict[str, Any]:
    publications = [
        {"title": text(item.get("PublicationTypeNameEn")), "url": "", "type": "bill text",
         "date": "", "id": text(item.get("PublicationId"))}
        for item in items(bill.get("Publications"))
    ]  # fmt: skip
    links = [
        {"title": text(item.get("TitleEn")), "url": text(item.get("UrlEn")),
         "type": text(item.get("WebReferenceTypeNameEn")), "date": ""}
        for item in items(bill.get("WebReferences"))
    ]  # fmt: skip
    extra: dict[str, Any] = {
        "legisinfo_id": text(bill.get("Id")),
        "bill_type": text(bill.get("BillDocumentTypeNameEn")),
        "status_fr": text(bill.get("StatusNameFr")),
    }
    for name, value in (("publications", publications), ("links", links)):
        if value:
            extra[name] = value
    return extra


def introduced_on(bill: Data, events: list[EventRecord]) -> date | None:
    """First reading in the chamber of origin, else the oldest event's date."""
    chamber = "Senate" if text(bill.get("IsSenateBill")) == "true" else "House"
    day, _ = moment(bill.get(f"Passed{chamber}FirstReadingDateTime"))
    return day or next((event.occurred_on for event in events if event.occurred_on), None)


def bill_name(bill: Data, asked: str = "") -> str:
    """`45-1/S-209` as the body states it, else as asked, else what the body does give."""
    number = text(bill.get("NumberCode"))
    parliament, session = text(bill.get("ParliamentNumber")), text(bill.get("SessionNumber"))
    if number and parliament and session:
        return f"{parliament}-{session}/{number}"
    stated = f"{parliament or '?'}-{session or '?'}/{number or '?'}"
    return asked or f"{stated} (Id {text(bill.get('Id')) or '?'})"


def _require(bill: Data, source: str, url: str, name: str, asked: str) -> None:
    missing = [key for key in REQUIRED if not bill.get(key)]
    if not (text(bill.get("LongTitleEn")) or text(bill.get("ShortTitleEn"))):
        missing.append("LongTitleEn/ShortTitleEn")
    if missing:
        raise LayoutChanged(source, url, f"bill {name}: bill without {', '.join(missing)}")
    if asked and asked.upper() != name.upper():
        raise LayoutChanged(source, url, f"bill {asked}: the body is bill {name}")


def _summaries(bill: Data, name: str, source: str) -> tuple[str, str]:
    english, french = (summary(bill, language, name, source) for language in ("en", "fr"))
    if bool(english) != bool(french):
        logging.getLogger(f"crawlers.{source}").warning(
            "bill %s: a summary in %s only", name, "English" if english else "French"
        )
    return english, french


def bill_record(
    bill: Data, *, source: str, source_url: str, fetched_at: datetime, asked: str = ""
) -> DocumentRecord:
    """The record of one bill (`asked`: "45-1/S-209" as requested); LayoutChanged naming the
    bill and the URL when a required field is gone or a value cannot be read."""
    name = bill_name(bill, asked)
    _require(bill, source, source_url, name, asked)
    try:
        return _record(bill, name, source=source, source_url=source_url, fetched_at=fetched_at)
    except (TypeError, ValueError, AttributeError) as exc:
        cause = f"bill {name}: unreadable value ({type(exc).__name__}: {exc})"
        raise LayoutChanged(source, source_url, cause) from exc


def _record(
    bill: Data, name: str, *, source: str, source_url: str, fetched_at: datetime
) -> DocumentRecord:
    number = text(bill["NumberCode"])
    session = f"{text(bill['ParliamentNumber'])}-{text(bill['SessionNumber'])}"
    events = bill_events(bill)
    stage, chamber = current_stage(bill)
    reached, reached_on, status = outcome(bill, session, events)
    summary_en, summary_fr = _summaries(bill, name, source)
    extra = _extra(bill)
    if status != text(bill.get("StatusNameEn")) and text(bill.get("StatusNameEn")):
        extra["status_en"] = text(bill.get("StatusNameEn"))  # LEGISinfo's words, kept
    return DocumentRecord(
        source=source, external_id=f"{session}/{number}", kind=BILL, jurisdiction="ca",
        title=text(bill.get("LongTitleEn")) or text(bill.get("ShortTitleEn")),
        title_alt=text(bill.get("LongTitleFr")) or text(bill.get("ShortTitleFr")),
        reference=number, session=session,
        url=BILL_PAGE.format(session=session, number=number.lower()),
        summary=summary_en, summary_alt=summary_fr, titles=titles(bill),
        published_on=introduced_on(bill, events),
        source_updated_at=instant(bill.get("LatestBillEventDateTime")),
        current_stage=stage, stage_category=progress(bill, stage, chamber, events),
        chamber=chamber, status=status, outcome=reached, outcome_on=reached_on,
        sponsor=sponsor(bill), extra=extra,
        events=events, source_url=source_url, fetched_at=fetched_at,
    )  # fmt: skip
