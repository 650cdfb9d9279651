"""Library of Congress action codes and action types, and the stage category each carries.

Source: GovInfo's BILLSTATUS XML User Guide (github.com/usgpo/bill-status,
`BILLSTATUS-XML_User_User-Guide.md`), section 3 "Action Code Element Possible Values" (every row
is in `LOC_ACTION_CODES`, with the guide's own description) and section 4 "Actions Type Element
Possible Values" (`ACTION_TYPES`). The guide calls its code table "representational" ("a complete,
authoritative list of action codes does not exist"), so `OBSERVED_ACTION_CODES` adds the codes
read in real BILLSTATUS files, described by the wording they came with.

A category of None means the action is known and carries no stage (a debate, a calendar entry,
a motion). `third_reading` marks a passage vote: `bill_mapping.action_category` moves it to
`passed_both` in the chamber that did not originate the bill and to `adopted` for resolutions,
and wording decides against the code where the code is reused (E30000 "Signed by President" is
also written on "Vetoed by President.") or says "Results" without saying which (a failed
suspension vote is `defeated`).
"""

from __future__ import annotations

# Code -> (the guide's description, category or None: no stage).
LOC_ACTION_CODES: dict[str, tuple[str, str | None]] = {
    "B00100": ("Sponsor introductory remarks on measure", None),
    "E20000": ("Presented to President", "presented"),
    "E30000": ("Signed by President", "assent"),
    "E40000": ("Became Public Law No: 114-47", "assent"),
    "H11100": ("Referred to the Committee", "committee"),
    "H11200": ("Sequential committee referral", "committee"),
    "H12100": ("Committee report of an original measure", "report"),
    "H12200": ("Committee reported", "report"),
    "H12300": ("Committee discharged", "committee"),
    "H12410": ("Union Calendar assignment", None),
    "H14000": ("Received in the House", "other_chamber"),
    "H15000": ("Held at the desk", "other_chamber"),
    "H17000": ("Motion to Discharge Committee", None),
    "H1L210": ("Rule provides for consideration of", None),
    "H25200": ("Conference report [free text] filed", "amendments"),
    "H37300": ("Final Passage Under Suspension of the Rules Results", "third_reading"),
    "H38310": ("Motion To Reconsider Results", None),
    "H30000": ("Consideration by House", None),
    "H8D000": ("DEBATE", None),
    "H81000": ("Point of order against a motion", None),
    "1000": ("Introduced in House", "introduced"),
    "2000": ("Referred to House committee", "committee"),
    "5000": ("Reported to House", "report"),
    "8000": ("Passed/agreed to in House", "third_reading"),
    "10000": ("Introduced in Senate", "introduced"),
    "11000": ("Referred to Senate committee", "committee"),
    "13100": ("Senate committee/subcommittee hearings", "committee"),
    "13200": ("Senate committee/subcommittee markups", "committee"),
    "14000": ("Reported to Senate", "report"),
    "14500": ("Senate committee discharged", "committee"),
    "14900": ("Senate committee report filed after reporting", "report"),
    "17000": ("Passed/agreed to in Senate", "third_reading"),
    "28000": ("Presented to President.", "presented"),
    "36000": ("Became Public Law", "assent"),
}

# Codes the guide does not list, read in real BILLSTATUS files (the cassettes, the H.R. 1500
# fixture, and usgpo/bill-status's samples 114hr3762, 114sjres8 and 114sconres11); the
# description is the wording (or legacy `<type>`) they came with. `Intro-S` is not in a
# recorded file: it is the Senate counterpart of `Intro-H` (see `_loc_code_chamber`).
OBSERVED_ACTION_CODES: dict[str, tuple[str, str | None]] = {
    "Intro-H": ("Introduced in House", "introduced"),
    "Intro-S": ("Introduced in Senate", "introduced"),
    "5500": ("House committee discharged", "committee"),
    "19500": ("Resolving differences -- House actions", "amendments"),
    "21000": ("Conference report agreed to in House", "amendments"),
    "23000": ("Conference report agreed to in Senate", "amendments"),
    "31000": ("Vetoed by President", "vetoed"),
    "H1L220": ("Rule passed House", None),
    "H30300": ("Motion Made to Suspend the Rules", None),
    "H32020": ("House resolved itself into the Committee of the Whole", None),
    "H32400": ("The Speaker designated a Chairman of the Committee", None),
    "H32600": ("The House rose from the Committee of the Whole to report", None),
    "H35000": ("Motion for Previous Question", None),
    "H36100": ("Moved to recommit with instructions", None),
    "H36110": ("On motion to recommit with instructions: results", None),
    "H36200": ("Moved to recommit", None),
    "H36210": ("On motion to recommit: results", None),
    "H37100": ("Passage of a Measure", "third_reading"),
    "H38900": ("The Clerk was authorized to make technical corrections", None),
    "H8A000": ("The previous question on a motion was ordered", None),
    "H40150": ("Moved that the House concur in the Senate amendment", "amendments"),
    "H40200": ("Conference Report Being Considered", "amendments"),
    "H40210": ("The House proceeded to consider the conference report", "amendments"),
    "H40300": ("The Chair laid before the House the veto message", None),
    "H41400": ("The previous question was ordered (resolving differences)", None),
    "H41610": ("On motion that the House agree to the Senate amendment: results", "amendments"),
    "H41931": ("Motion to reconsider laid on the table (resolving differences)", None),
    "H42300": ("Motion for the Previous Question Offered (conference report)", None),
    "H42510": ("On agreeing to the conference report: results", "amendments"),
    "H42831": ("Motions to reconsider laid on the table (conference report)", None),
    "H43200": ("Moved to postpone consideration of the veto message", None),
    "H43210": ("On motion to postpone consideration of the veto message: results", None),
    # Amendment actions (an amendment's own history, not a stage of the bill).
    "H3A100": ("Amendment offered", None),
    "H32111": ("On agreeing to the amendment: results", None),
    "71000": ("House amendment offered", None),
    "71500": ("House amendment offered/reported by", None),
    "72000": ("House amendment agreed to", None),
    "73000": ("House amendment not agreed to", None),
    "75000": ("Roll call votes on amendments in House", None),
    "76000": ("Amendment agreed to Committee of the Whole", None),
    "77000": ("Amendment failed in Committee of the Whole", None),
}

ACTION_CODES: dict[str, tuple[str, str | None]] = {**OBSERVED_ACTION_CODES, **LOC_ACTION_CODES}

# Codes whose action agrees to a conference report: the second chamber's agreement ends the
# differences (`passed_both`, or `adopted` for a concurrent resolution).
CONFERENCE_AGREED_CODES = frozenset({"21000", "23000", "H42510"})

# The guide's section 4 types (and the Congress.gov API's) -> (does an action of this type
# normally carry a stage?, the category when neither code nor wording gives one). An action of
# a stage-carrying type that nothing maps is counted as unmapped; Calendars, NotUsed and the
# data-processing types are not.
ACTION_TYPES: dict[str, tuple[bool, str | None]] = {
    "Actions by the President": (True, None),
    "Actions Related to President": (True, None),
    "Actions Related to Veto": (True, None),
    "Amending Actions": (False, None),
    "BecameLaw": (True, "assent"),
    "Calendars": (False, None),
    "Chamber Actions": (True, None),
    "Chamber Consideration Actions": (True, None),
    "Committee": (True, "committee"),
    "Committee Actions": (True, "committee"),
    "Conference Actions": (True, "amendments"),
    "Discharge": (True, "committee"),
    "Floor": (True, None),
    "ForwardY-N": (False, None),
    "House Actions": (True, None),
    "Introduced in House": (True, "introduced"),
    "Introduced in Senate": (True, "introduced"),
    "IntroReferral": (True, None),
    "NotUsed": (False, None),
    "President": (True, None),
    "Procedural": (False, None),
    "ResolvingDifferences": (True, "amendments"),
    "Senate Actions": (True, None),
    "Significant Actions": (True, None),
    "Unknown": (False, None),
    "VARIES": (False, None),
    "Veto": (True, None),
}
