"""US Congress bill vocabulary shared by `us-congress-bills` and `us-govinfo-billstatus`.

Congress has no numbered readings: an action's stage comes first from its Library of Congress
action code (`action_codes`), then from the wording below, which the Library of Congress
standardises ("Introduced in House", "Passed/agreed to in Senate: …", "Became Public Law No:
117-108."). Senate actions and many Congress.gov API actions carry no code, so the wording is
the fallback. `DECISIVE_WORDING` is read before the code: it says what a code cannot (a failed
vote, a veto written under a signing code, an override, the final agreement between chambers).
A pattern mapping to None marks wording known to carry no stage (a motion, a debate, a calendar
entry): kept in the history as stated, with no category, and not counted as unmapped.
"""

from __future__ import annotations

import re

# Bill type code (lower case, as in API paths) -> (reference prefix, congress.gov URL slug).
BILL_TYPES: dict[str, tuple[str, str]] = {
    "hr": ("H.R.", "house-bill"),
    "s": ("S.", "senate-bill"),
    "hjres": ("H.J.Res.", "house-joint-resolution"),
    "sjres": ("S.J.Res.", "senate-joint-resolution"),
    "hconres": ("H.Con.Res.", "house-concurrent-resolution"),
    "sconres": ("S.Con.Res.", "senate-concurrent-resolution"),
    "hres": ("H.Res.", "house-resolution"),
    "sres": ("S.Res.", "senate-resolution"),
}

# Placeholders resolved per action by `bill_mapping.action_category`:
# a passage vote: `third_reading` in the chamber of origin, `passed_both` in the other chamber,
# `adopted` for a simple resolution (and a concurrent resolution in the second chamber).
PASSAGE = "passage"
# The last agreement between chambers (agreeing to the other chamber's amendment without a
# further amendment): `passed_both`, `adopted` for a concurrent resolution.
FINAL = "final"
# A chamber agreeing to a conference report: `amendments`, final once the other chamber agreed.
CONFERENCE = "conference"
PLACEHOLDERS = frozenset({PASSAGE, FINAL, CONFERENCE})

# The Library of Congress copies a chamber's action under a heading: "Passed/agreed to in House: ",
# "Resolving differences -- House actions: ", "Conference report agreed to in Senate: ".
LOC_HEADING = re.compile(
    r"^(?:resolving differences -- (?:house|senate) actions"
    r"|[a-z/ ]{3,60} in (?:the )?(?:house|senate)(?: over veto)?): ",
    re.IGNORECASE,
)

_DIFFERENCES = (
    r"^(?:on motion that the (?:house|senate) (?:agree|concur)"
    r"|(?:house|senate) (?:agreed|concurred))"
)


def _patterns(
    pairs: tuple[tuple[str, str | None], ...],
) -> tuple[tuple[re.Pattern[str], str | None], ...]:
    return tuple((re.compile(pattern, re.IGNORECASE), category) for pattern, category in pairs)


# Read before the action code, on the text and on the text after its heading; first match wins.
DECISIVE_WORDING = _patterns(
    (
        (r"\b(?:pocket )?vetoed by (?:the )?president\b", "vetoed"),
        (
            r"^(?=.*\b(?:failed|sustained)\b)(?=.*(?:\bover (?:the )?(?:president's )?veto\b"
            r"|objections of the president to the contrary notwithstanding))",
            "vetoed",
        ),
        (
            r"\bover (?:the )?(?:president's )?veto\b"
            r"|objections of the president to the contrary notwithstanding",
            "veto_override",
        ),
        (
            r"^failed of passage|^(?:concurrent |joint )?resolution not agreed to"
            r"|^on (?:passage|motion to suspend the rules and (?:pass|agree to)\b.*?"
            r"|agreeing to the (?:concurrent |joint )?resolution\b.*?)\s*failed\b",
            "defeated",
        ),
        (_DIFFERENCES + r"\b[^.]*?\bwith (?:an )?amendments?\b", "amendments"),
        (
            r"^on motion that the (?:house|senate) (?:agree|concur) (?:to|in) (?:the )?"
            r"(?:house|senate) amendments?\b.*?\bagreed to\b"
            r"|^(?:house|senate) (?:agreed|concurred) (?:to|in) (?:the )?"
            r"(?:house|senate) amendments?\b",
            FINAL,
        ),
        (
            r"^on agreeing to the conference report\b.*?\bagreed to\b"
            r"|^(?:house|senate) agreed to (?:the )?conference report"
            r"|^conference report agreed to in (?:the )?(?:house|senate)",
            CONFERENCE,
        ),
    )
)

# (pattern on the action text, category or None: no stage), read when the action has no code
# or one no table knows; the first match wins, so order matters ("Received in the Senate and
# Read twice and referred to …" is a move to the other chamber, "Submitted in the Senate.
# Considered and agreed to …" a passage).
ACTION_CATEGORIES = _patterns(
    (
        (r"^became (?:public|private) law", "assent"),
        (r"^signed by (?:the )?president", "assent"),
        (r"^presented to (?:the )?president", "presented"),
        (
            r"^resolving differences|\bconferees?\b|\bconference\b"
            r"|\b(?:disagreed?|insist(?:ed)?)\b[^.]*\bamendment"
            r"|^message on (?:house|senate) action received in (?:the )?(?:house|senate)"
            r"[^:]*: (?:house|senate) amendment",
            "amendments",
        ),
        (
            r"^(?:passed/agreed to in|passed (?:the )?(?:house|senate)\b|on passage passed"
            r"|(?:concurrent |joint )?resolution agreed to in"
            r"|(?:measure|bill|resolution) passed (?:the )?(?:house|senate)"
            r"|on (?:motion to suspend the rules and (?:pass|agree to)"
            r"|agreeing to the (?:concurrent |joint )?resolution)\b.*?\bagreed to\b)"
            r"|\bconsidered,? and agreed to\b|\bread the third time,? and passed\b"
            r"|\bpassed (?:without|with an) amendment",
            PASSAGE,
        ),
        (r"^(?:introduced|submitted) in (?:the )?(?:house|senate)", "introduced"),
        (r"^(?:received in the (?:house|senate)|held at the desk)", "other_chamber"),
        (r"^message on (?:house|senate) action sent|\bveto message\b", None),
        (r"^rules committee resolution|\brule provides\b|^rule h\. ?res\.", None),
        (r"\bordered to be reported\b|\bforwarded by (?:the )?subcommittee\b", "committee"),
        (
            r"^reported\b|\breported (?:\([^)]*\) )?(?:by|to (?:the )?(?:house|senate))\b"
            r"|\breported an original measure\b|\boriginal measure reported\b"
            r"|\bfiled written report\b",
            "report",
        ),
        (
            r"\b(?:referred to|re-?referred|discharged|hearings?|mark-?up|sequential referral"
            r"|(?:sub)?committee consideration)\b",
            "committee",
        ),
        (
            r"\bcalendar\b|\bcloture\b|\bmotion to (?:proceed|table|reconsider|recommit"
            r"|discharge|postpone|instruct|refer)\b|\bmoved to\b|\bmoved that\b|laid before"
            r"|\bconsidered\b|\bconsideration\b|\bprevious question\b|\bdebate\b"
            r"|\bcommittee of the whole\b|\bdesignated the honorable\b|^the chair\b"
            r"|\bpoint of order\b|\bpostponed\b|\bunfinished business\b|\bread the (?:first|second)"
            r" time\b|\bstar print\b|\bunanimous consent agreement\b|\bclerk was authorized\b"
            r"|\bsponsor introductory remarks\b|\bby unanimous consent\b.*\bwithdrawn\b",
            None,
        ),
    )
)

# Library of Congress action codes: below 10000 House, below 28000 Senate (28000 and up are
# the President's); "Intro-H"/"Intro-S" name their chamber.
LOC_SENATE_FROM = 10000
LOC_PRESIDENT_FROM = 28000
