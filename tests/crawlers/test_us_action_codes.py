"""US action stages: Library of Congress action codes first, then type and wording.

The code table is checked against the rows of GovInfo's BILLSTATUS User Guide (copied in
tests/fixtures/real/govinfo-billstatus-user-guide/); real BILLSTATUS files and Congress.gov
bodies must categorise with nothing unmapped. Each listed case is checked on an action dict:
the wording is copied from the cassettes, the H.R. 1500 file or usgpo/bill-status samples
(114hr3762, 114sjres8, 114sconres11) where one records it; override votes, failed passage,
pocket vetoes, hearings, original measures and Senate concurrence are in no recorded body, so
their wording follows Congress.gov's published form (vote counts illustrative).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawlers.spiders.us.action_codes import ACTION_CODES, ACTION_TYPES, LOC_ACTION_CODES
from crawlers.spiders.us.bill_mapping import (
    BillParts,
    action_category,
    action_event,
    action_events,
    action_key,
    action_stage,
    bill_id,
    bill_record,
)
from crawlers.spiders.us.billstatus_xml import parse_billstatus
from models.records import DocumentRecord
from models.vocabulary import STAGES

ROOT = Path(__file__).resolve().parents[2]
GUIDE_TABLE = ROOT / "tests/fixtures/real/govinfo-billstatus-user-guide/action-codes.md"
HR1500 = ROOT / "tests/fixtures/real/us-billstatus/BILLSTATUS-116hr1500.xml"
BILLSTATUS_BODIES = ROOT / "cassettes/us-govinfo-billstatus/bodies"
CONGRESS_BODIES = ROOT / "cassettes/us-congress-bills/bodies"
FETCHED = datetime(2025, 6, 20, tzinfo=UTC)

HOUSE = {"name": "House floor actions"}
HOUSE_COMMITTEE = {"name": "House committee actions"}
SENATE = {"name": "Senate"}
LOC = {"name": "Library of Congress"}


def guide_rows() -> list[tuple[str, str]]:
    """(code, description) of each row of the guide's table: `| **CODE** | description |`."""
    rows = re.findall(r"^\| \*\*(.+?)\*\* \| (.+?) \|$", GUIDE_TABLE.read_text(), re.MULTILINE)
    return [(code, description.strip()) for code, description in rows]


def test_every_guide_code_is_mapped_with_its_description() -> None:
    rows = guide_rows()
    assert len(rows) == 34
    for code, description in rows:
        assert code in LOC_ACTION_CODES, code
        said, category = LOC_ACTION_CODES[code]
        assert said == description
        assert category is None or category in STAGES
    assert set(LOC_ACTION_CODES) == {code for code, _ in rows}


def test_every_code_and_type_category_is_common() -> None:
    assert {category for _, category in ACTION_CODES.values()} - {None} <= set(STAGES)
    assert {category for _, category in ACTION_TYPES.values()} - {None} <= set(STAGES)
    # the guide's section 4 types, and the Congress.gov API's
    for kind in ("IntroReferral", "Committee", "Floor", "Calendars", "President", "BecameLaw"):
        assert kind in ACTION_TYPES
    for kind in ("Veto", "ResolvingDifferences", "Discharge", "NotUsed"):
        assert kind in ACTION_TYPES


def hr1500() -> DocumentRecord:
    parts = parse_billstatus(HR1500.read_bytes())
    return bill_record(
        parts, source="us-govinfo-billstatus", source_url=HR1500.name, fetched_at=FETCHED
    )


def categories(record: DocumentRecord) -> list[tuple[str, str, str]]:
    return [(e.chamber, e.stage_category, e.description[:60]) for e in record.events]


def test_hr1500_key_actions() -> None:
    bill = hr1500()
    assert len(bill.events) == 50
    staged = [row for row in categories(bill) if row[1]]
    assert staged == [
        ("House", "introduced", "Introduced in House"),
        ("House", "introduced", "Introduced in House"),
        ("House", "committee", "Referred to the Committee on Financial Services, and in addi"),
        ("House", "committee", "Referred to the Committee on Financial Services, and in addi"),
        ("House", "committee", "Committee Consideration and Mark-up Session Held."),
        ("House", "committee", "Ordered to be Reported (Amended) by the Yeas and Nays: 34 - "),
        ("House", "report", "Reported (Amended) by the Committee on Financial Services. H"),
        ("House", "report", "Reported (Amended) by the Committee on Financial Services. H"),
        ("House", "committee", "Committee on Education and Labor discharged."),
        ("House", "committee", "Committee on Education and Labor discharged."),
        ("House", "third_reading", "Passed/agreed to in House: On passage Passed by recorded vot"),
        ("House", "third_reading", "On passage Passed by recorded vote: 231 - 191 (Roll no. 228)"),
        ("Senate", "other_chamber", "Received in the Senate and Read twice and referred to the Co"),
    ]
    assert (bill.stage_category, bill.chamber) == ("other_chamber", "Senate")


def test_hr1500_nothing_unmapped_and_floor_steps_carry_no_stage() -> None:
    bill = hr1500()
    assert not [e.description for e in bill.events if e.unmapped]
    stated = {e.description[:40]: e.stage_category for e in bill.events}
    for no_stage in (
        "Placed on the Union Calendar, Calendar N",
        "Rules Committee Resolution H. Res. 389 R",
        "GENERAL DEBATE - The Committee of the Wh",
        "On motion to recommit with instructions ",
        "Motion to reconsider laid on the table A",
    ):
        assert stated[no_stage] == ""


def real_action_lists() -> list[tuple[str, list[Mapping[str, Any]], str, str]]:
    """(file, actions, origin chamber, bill type) of every real BILLSTATUS and Congress.gov body."""
    found = []
    for path in [*sorted(BILLSTATUS_BODIES.glob("*BILLSTATUS-*.xml")), HR1500]:
        parts = parse_billstatus(path.read_bytes())
        origin = str(parts.bill.get("originChamber") or "")
        found.append((path.name, parts.actions, origin, bill_id(parts.bill).type))
    for path in sorted(CONGRESS_BODIES.glob("bill_*_actions_*.json")):
        congress, kind = path.name.split("_")[1:3]
        detail = CONGRESS_BODIES / path.name.replace("_actions_", "_")
        bill = json.loads(detail.read_text())["bill"]
        assert (bill["congress"], bill["type"].lower()) == (int(congress), kind)
        actions = json.loads(path.read_text())["actions"]
        found.append((path.name, actions, str(bill["originChamber"]), kind))
    return found


def test_real_bodies_have_nothing_unmapped() -> None:
    bodies = real_action_lists()
    assert len(bodies) >= 7
    for name, actions, origin, kind in bodies:
        events = action_events(actions, origin, kind)
        assert events, name
        assert not [(name, e.description) for e in events if e.unmapped]
        assert {e.stage_category for e in events} - {""} <= set(STAGES)


def test_a_bill_record_carries_unmapped_events() -> None:
    actions: list[Mapping[str, Any]] = [
        {"actionDate": "2025-01-03", "text": "Introduced in House", "actionCode": "1000"},
        {"actionDate": "2025-01-04", "text": "Bill teleported.", "type": "Floor"},
    ]
    parts = BillParts(
        bill={"congress": 119, "type": "HR", "number": "9", "title": "T", "originChamber": "House"},
        actions=actions,
    )
    record = bill_record(parts, source="s", source_url="u", fetched_at=FETCHED)
    assert [(e.stage_category, e.unmapped) for e in record.events] == [
        ("introduced", False),
        ("", True),
    ]


# (action, origin chamber, bill type, category): real wordings, one case per row of the brief.
CASES: list[tuple[dict[str, Any], str, str, str]] = [
    # committee referral
    (
        {
            "text": "Referred to the House Committee on Ways and Means.",
            "type": "IntroReferral",
            "actionCode": "H11100",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "committee",
    ),
    (
        {
            "text": "Read twice and referred to the Committee on the Judiciary.",
            "type": "IntroReferral",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "committee",
    ),
    # hearings
    (
        {
            "text": "Committee on Foreign Relations. Hearings held.",
            "type": "Committee",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "committee",
    ),
    (
        {
            "text": "Subcommittee Hearings Held.",
            "type": "Committee",
            "sourceSystem": HOUSE_COMMITTEE,
        },
        "House",
        "hr",
        "committee",
    ),
    # markup, ordered reported
    (
        {
            "text": "Committee Consideration and Mark-up Session Held.",
            "type": "Committee",
            "sourceSystem": HOUSE_COMMITTEE,
        },
        "House",
        "hr",
        "committee",
    ),
    (
        {
            "text": "Ordered to be Reported (Amended) by the Yeas and Nays: 34 - 26.",
            "type": "Committee",
            "sourceSystem": HOUSE_COMMITTEE,
        },
        "House",
        "hr",
        "committee",
    ),
    (
        {
            "text": "Committee on the Judiciary. Ordered to be reported without amendment "
            "favorably.",
            "type": "Committee",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "committee",
    ),
    # reported, with a written report
    (
        {
            "text": "Reported (Amended) by the Committee on Financial Services. H. Rept. 116-57, "
            "Part I.",
            "type": "Committee",
            "actionCode": "H12200",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "report",
    ),
    (
        {
            "text": "Committee on Commerce, Science, and Transportation. Reported by Senator "
            "Wicker with an amendment in the nature of a substitute. With written report No. "
            "116-50.",
            "type": "Committee",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "report",
    ),
    # original measures reported
    (
        {
            "text": "The House Committee on the Budget reported an original measure, H. Rept. "
            "114-293, by Mr. Price, Tom.",
            "type": "Committee",
            "actionCode": "H12100",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "report",
    ),
    (
        {
            "text": "Committee on Appropriations. Original measure reported to Senate by Senator "
            "Shelby. With written report No. 116-126.",
            "type": "Committee",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "report",
    ),
    # suspension votes
    (
        {
            "text": "On motion to suspend the rules and pass the bill Agreed to by voice vote. "
            "(text: CR H58-60)",
            "type": "Floor",
            "actionCode": "H37300",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "third_reading",
    ),
    (
        {
            "text": "On motion to suspend the rules and pass the bill Agreed to by voice vote. "
            "(text: CR H6815-6816)",
            "type": "Floor",
            "actionCode": "H37300",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "s",
        "passed_both",
    ),
    (
        {
            "text": "On motion to suspend the rules and pass the bill, as amended Failed by the "
            "Yeas and Nays: 250 - 171 (Roll no. 500).",
            "type": "Floor",
            "actionCode": "H37300",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "defeated",
    ),
    # passage by recorded, voice and unanimous consent votes
    (
        {
            "text": "On passage Passed by recorded vote: 231 - 191 (Roll no. 228).",
            "type": "Floor",
            "actionCode": "H37100",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "third_reading",
    ),
    (
        {
            "text": "Passed/agreed to in House: On passage Passed by voice vote.",
            "type": "Floor",
            "actionCode": "8000",
            "sourceSystem": LOC,
        },
        "House",
        "hjres",
        "third_reading",
    ),
    (
        {
            "text": "Passed Senate without amendment by Unanimous Consent. (consideration: CR "
            "S5057)",
            "type": "Floor",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "third_reading",
    ),
    (
        {
            "text": "Passed Senate with an amendment by Yea-Nay Vote. 52 - 47. Record Vote "
            "Number: 329.",
            "type": "Floor",
            "sourceSystem": SENATE,
        },
        "House",
        "hr",
        "passed_both",
    ),
    (
        {
            "text": "Passed/agreed to in Senate: Passed Senate with an amendment by Unanimous "
            "Consent.",
            "type": "Floor",
            "actionCode": "17000",
            "sourceSystem": LOC,
        },
        "House",
        "hr",
        "passed_both",
    ),
    # simple resolutions: one chamber's agreement is final
    (
        {
            "text": "On agreeing to the resolution Agreed to by voice vote.",
            "type": "Floor",
            "actionCode": "H37100",
            "sourceSystem": HOUSE,
        },
        "House",
        "hres",
        "adopted",
    ),
    (
        {
            "text": "Submitted in the Senate. Considered and agreed to without amendment and "
            "with a preamble by Unanimous Consent.",
            "type": "IntroReferral",
            "sourceSystem": SENATE,
        },
        "Senate",
        "sres",
        "adopted",
    ),
    (
        {
            "text": "Resolution agreed to in Senate without amendment and with a preamble by "
            "Unanimous Consent.",
            "type": "Floor",
            "actionCode": "17000",
            "sourceSystem": LOC,
        },
        "Senate",
        "sres",
        "adopted",
    ),
    # concurrent resolutions: the second chamber's agreement is final
    (
        {
            "text": "Submitted in the Senate. Considered, and agreed to without amendment by "
            "Unanimous Consent.",
            "type": "IntroReferral",
            "sourceSystem": SENATE,
        },
        "Senate",
        "sconres",
        "third_reading",
    ),
    (
        {
            "text": "Received in the Senate, considered, and agreed to without amendment by "
            "Unanimous Consent.",
            "type": "Floor",
            "sourceSystem": SENATE,
        },
        "House",
        "hconres",
        "adopted",
    ),
    (
        {
            "text": "On motion to suspend the rules and agree to the resolution Agreed to by the "
            "Yeas and Nays: 410 - 3 (Roll no. 12).",
            "type": "Floor",
            "actionCode": "H37300",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "sconres",
        "adopted",
    ),
    # conference reports, each chamber (a lone agreement; the sequence is tested below)
    (
        {
            "text": "Conference report H. Rept. 114-96 filed. (text of conference report: CR "
            "H2516-2574)",
            "type": "ResolvingDifferences",
            "actionCode": "H25200",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "sconres",
        "amendments",
    ),
    (
        {
            "text": "On agreeing to the conference report Agreed to by the Yeas and Nays: 226 - "
            "197 (Roll no. 183). (consideration: CR H2702)",
            "type": "ResolvingDifferences",
            "actionCode": "H42510",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "sconres",
        "amendments",
    ),
    (
        {
            "text": "Senate agreed to conference report by Yea-Nay Vote. 51 - 48. Record Vote "
            "Number: 171.",
            "type": "ResolvingDifferences",
            "sourceSystem": SENATE,
        },
        "Senate",
        "sconres",
        "amendments",
    ),
    # agreeing to the other chamber's amendments, however worded
    (
        {
            "text": "Resolving differences -- House actions: On motion that the House agree to "
            "the Senate amendment Agreed to by the Yeas and Nays: 240 - 181 (Roll no. 6).",
            "type": "NotUsed",
            "actionCode": "19500",
            "sourceSystem": LOC,
        },
        "House",
        "hr",
        "passed_both",
    ),
    (
        {
            "text": "On motion that the House agree to the Senate amendment Agreed to by the "
            "Yeas and Nays: 240 - 181 (Roll no. 6). (text as House agreed to the Senate "
            "amendment: CR H52-54)",
            "type": "ResolvingDifferences",
            "actionCode": "H41610",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "passed_both",
    ),
    (
        {
            "text": "House agreed to Senate amendment by voice vote.",
            "type": "ResolvingDifferences",
        },
        "House",
        "hr",
        "passed_both",
    ),
    (
        {
            "text": "Senate concurred in House amendment by Unanimous Consent.",
            "type": "ResolvingDifferences",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "passed_both",
    ),
    (
        {
            "text": "Senate concurred in the House amendment with an amendment (SA 2012) by "
            "Unanimous Consent.",
            "type": "ResolvingDifferences",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "amendments",
    ),
    (
        {
            "text": "Mr. Price, Tom moved that the House concur in the Senate amendment. "
            "(consideration: CR H52-67; text of the motion: CR H54)",
            "type": "ResolvingDifferences",
            "actionCode": "H40150",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "amendments",
    ),
    # the President
    (
        {"text": "Presented to President.", "type": "President", "actionCode": "28000"},
        "House",
        "hr",
        "presented",
    ),
    (
        {
            "text": "Presented to President.",
            "type": "Floor",
            "actionCode": "E20000",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "presented",
    ),
    (
        {"text": "Signed by President.", "type": "President", "actionCode": "36000"},
        "Senate",
        "s",
        "assent",
    ),
    (
        {"text": "Became Public Law No: 114-70.", "type": "BecameLaw", "actionCode": "36000"},
        "Senate",
        "s",
        "assent",
    ),
    ({"text": "Became Private Law No: 117-3.", "type": "BecameLaw"}, "House", "hr", "assent"),
    # vetoed: E30000 ("Signed by President" in the guide) is written on vetoes too
    (
        {
            "text": "Vetoed by President. (text of veto message: CR H210-211)",
            "type": "President",
            "actionCode": "E30000",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "vetoed",
    ),
    (
        {
            "text": "Vetoed by President.(text of veto message: CR H210-211)",
            "type": "President",
            "actionCode": "31000",
            "sourceSystem": LOC,
        },
        "House",
        "hr",
        "vetoed",
    ),
    ({"text": "Pocket Vetoed by President.", "type": "President"}, "House", "hjres", "vetoed"),
    # override votes passed and failed, passed over veto
    (
        {
            "text": "On passage, the objections of the President to the contrary "
            "notwithstanding Passed by the Yeas and Nays: 348 - 77 (Roll no. 564).",
            "type": "Veto",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "s",
        "veto_override",
    ),
    (
        {
            "text": "Passed Senate over veto by Yea-Nay Vote. 97 - 1. Record Vote Number: 148.",
            "type": "Veto",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "veto_override",
    ),
    (
        {
            "text": "Passed House over veto: On passage, the objections of the President to the "
            "contrary notwithstanding Passed by the Yeas and Nays: 348 - 77 (Roll no. 564).",
            "type": "Veto",
            "sourceSystem": LOC,
        },
        "Senate",
        "s",
        "veto_override",
    ),
    (
        {
            "text": "On passage, the objections of the President to the contrary "
            "notwithstanding Failed by the Yeas and Nays: 241 - 186 (Roll no. 67).",
            "type": "Veto",
            "sourceSystem": HOUSE,
        },
        "House",
        "hr",
        "vetoed",
    ),
    (
        {
            "text": "Failed of passage in Senate over veto by Yea-Nay Vote. 53 - 45. Record Vote "
            "Number: 20.",
            "type": "Veto",
            "sourceSystem": SENATE,
        },
        "Senate",
        "sjres",
        "vetoed",
    ),
    # defeated
    (
        {
            "text": "Failed of passage in Senate by Yea-Nay Vote. 48 - 52. Record Vote Number: 9.",
            "type": "Floor",
            "sourceSystem": SENATE,
        },
        "Senate",
        "s",
        "defeated",
    ),
    (
        {
            "text": "Failed of passage/not agreed to in House: On passage Failed by recorded "
            "vote: 195 - 230 (Roll no. 70).",
            "type": "Floor",
            "sourceSystem": LOC,
        },
        "House",
        "hr",
        "defeated",
    ),
    # the second chamber
    (
        {"text": "Received in the Senate.", "type": "IntroReferral", "sourceSystem": SENATE},
        "House",
        "hr",
        "other_chamber",
    ),
    (
        {
            "text": "Held at the desk.",
            "type": "Floor",
            "actionCode": "H15000",
            "sourceSystem": HOUSE,
        },
        "Senate",
        "s",
        "other_chamber",
    ),
]


@pytest.mark.parametrize(("action", "origin", "kind", "category"), CASES)
def test_each_case(action: dict[str, Any], origin: str, kind: str, category: str) -> None:
    stage = action_stage(action, origin, kind)
    assert (stage.category, stage.unmapped) == (category, False)


# Known to carry no stage: no category, never unmapped.
NO_STAGE: list[dict[str, Any]] = [
    {
        "text": "Placed on the Union Calendar, Calendar No. 35.",
        "type": "Calendars",
        "actionCode": "H12410",
        "sourceSystem": HOUSE,
    },
    {
        "text": "Placed on Senate Legislative Calendar under General Orders. Calendar No. 145.",
        "type": "Calendars",
        "sourceSystem": SENATE,
    },
    {
        "text": "Cloture motion on the measure presented in Senate. (CR S1234)",
        "type": "Floor",
        "sourceSystem": SENATE,
    },
    {
        "text": "Cloture invoked in Senate by Yea-Nay Vote. 60 - 38. Record Vote Number: 100.",
        "type": "Floor",
        "sourceSystem": SENATE,
    },
    {
        "text": "Motion to proceed to consideration of measure agreed to in Senate by Voice Vote. "
        "(consideration: CR S8233)",
        "type": "Floor",
        "sourceSystem": SENATE,
    },
    {
        "text": "Measure laid before Senate by unanimous consent. (consideration: CR S694-695)",
        "type": "Floor",
        "sourceSystem": SENATE,
    },
    {
        "text": "Message on Senate action sent to the House.",
        "type": "Floor",
        "sourceSystem": SENATE,
    },
    {
        "text": "Veto message received in Senate. Ordered held at the desk.",
        "type": "Veto",
        "sourceSystem": SENATE,
    },
    {
        "text": "Motion to table the veto message to accompany S. J. Res. 8 agreed to in Senate by "
        "Yea-Nay Vote. 96 - 3. Record Vote Number: 172. (consideration: CR S2644)",
        "type": "Veto",
        "sourceSystem": SENATE,
    },
    {
        "text": "The Chair laid before the House the veto message from the President. "
        "(consideration: CR H210-211)",
        "type": "Veto",
        "actionCode": "H40300",
        "sourceSystem": HOUSE,
    },
    {
        "text": "On motion to recommit Failed by the Yeas and Nays: 210 - 219 (Roll no. 61).",
        "type": "Floor",
        "actionCode": "H36210",
        "sourceSystem": HOUSE,
    },
    {
        "text": "DEBATE - Pursuant to the provisions of H. Res. 579, the House proceeded with one "
        "hour of debate on the motion that the House agree to Senate amendment to H.R.3762.",
        "type": "Floor",
        "actionCode": "H8D000",
        "sourceSystem": HOUSE,
    },
    {
        "text": "Sponsor introductory remarks on measure. (CR S2798)",
        "type": "IntroReferral",
        "actionCode": "B00100",
        "sourceSystem": LOC,
    },
]


@pytest.mark.parametrize("action", NO_STAGE)
def test_no_stage_actions(action: dict[str, Any]) -> None:
    stage = action_stage(action, "House", "hr")
    assert (stage.category, stage.unmapped) == ("", False)


def test_unmapped_only_when_nothing_knows_the_action() -> None:
    never_seen = {"text": "The bill was teleported.", "sourceSystem": HOUSE}
    assert action_stage({**never_seen, "type": "Floor"}, "House", "hr").unmapped
    assert action_stage({**never_seen, "actionCode": "H99999"}, "House", "hr").unmapped
    # a type that carries no stage, or none at all: not counted
    assert not action_stage({**never_seen, "type": "Calendars"}, "House", "hr").unmapped
    assert not action_stage(never_seen, "House", "hr").unmapped
    # a code in the table with no stage is known, whatever its wording
    assert not action_stage({**never_seen, "actionCode": "H8D000"}, "House", "hr").unmapped
    # an unknown code whose wording is known takes the wording's category
    passed = {"text": "On passage Passed by voice vote.", "actionCode": "H99999"}
    assert action_stage({**passed, "sourceSystem": HOUSE}, "House", "hr").category == (
        "third_reading"
    )
    # the type's own category when neither code nor wording gives one
    became = {"text": "Law number pending.", "type": "BecameLaw"}
    assert action_category(became, "House", "hr") == "assent"


def test_an_event_keeps_its_wording_and_says_unmapped() -> None:
    event = action_event(
        {"text": "The bill was teleported.", "type": "Floor", "actionDate": "2025-01-03"},
        "House",
        "hr",
    )
    assert (event.stage, event.stage_category, event.unmapped) == (
        "The bill was teleported.",
        "",
        True,
    )


def conference(chamber: str, day: str, code: str = "") -> dict[str, Any]:
    said = {
        "House": "On agreeing to the conference report Agreed to by the Yeas and Nays: 226 - 197 "
        "(Roll no. 183).",
        "Senate": "Senate agreed to conference report by Yea-Nay Vote. 51 - 48. Record Vote "
        "Number: 171.",
    }[chamber]
    system = HOUSE if chamber == "House" else SENATE
    return {"text": said, "actionDate": day, "actionCode": code, "sourceSystem": system}


@pytest.mark.parametrize(("kind", "final"), [("sconres", "adopted"), ("s", "passed_both")])
def test_second_chambers_conference_agreement_is_final(kind: str, final: str) -> None:
    # newest first, as sources list them (S.Con.Res. 11, 114th: House 2015-04-30, Senate 05-05)
    actions = [
        conference("Senate", "2015-05-05"),
        conference("House", "2015-04-30", "H42510"),
        {
            "text": "Conference report agreed to in House: On agreeing to the conference report "
            "Agreed to by the Yeas and Nays: 226 - 197 (Roll no. 183).",
            "actionDate": "2015-04-30",
            "actionCode": "21000",
            "sourceSystem": LOC,
        },
    ]
    events = action_events(actions, "Senate", kind)
    assert [(e.chamber, e.stage_category) for e in events] == [
        ("House", "amendments"),
        ("House", "amendments"),
        ("Senate", final),
    ]


def test_two_referrals_differing_only_by_committee_are_two_events() -> None:
    """H.R. 1500's 2019-03-05 referrals to Education and Labor and to Financial Services share
    date, code, recorder and text: both are kept, the first under the plain key (as stored
    before committees were read), the second under one that reads its committee."""
    record = hr1500()
    keys = [event.key for event in record.events]
    assert len(keys) == len(set(keys)) == 50
    referrals = [
        action
        for action in parse_billstatus(HR1500.read_bytes()).actions
        if str(action.get("text", "")).startswith("Referred to the Committee on Financial Services")
    ]
    assert len(referrals) == 2
    plain = {action_key(action) for action in referrals}
    assert len(plain) == 1
    assert plain <= set(keys)
