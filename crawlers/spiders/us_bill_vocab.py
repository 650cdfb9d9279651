"""US Congress bill vocabulary shared by `us-congress-bills` and `us-govinfo-billstatus`.

Congress has no numbered readings: progress shows in the wording of its actions, which the
Library of Congress standardises ("Introduced in House", "Passed/agreed to in Senate: …",
"Became Public Law No: 117-108."). The patterns below map that wording onto the common stage
categories; an action none of them matches (a motion, a debate, a calendar entry) keeps an
empty category and stays in the history as stated.
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

# A passage vote: third reading in the chamber of origin, both chambers once the other agrees.
PASSAGE = "passage"

# (pattern on the action text, category): the first match wins, so order matters
# ("Received in the Senate and Read twice and referred to …" is a move to the other chamber).
ACTION_CATEGORIES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), category)
    for pattern, category in (
        (r"^became (public|private) law", "assent"),
        (r"^signed by president", "assent"),
        (r"^(pocket )?vetoed by president", "defeated"),
        (r"^(failed of passage|on passage failed)", "defeated"),
        (r"^presented to president", "passed_both"),
        (
            r"^(house|senate) (agreed|concurred) (to|in) (the )?(house|senate) amendment",
            "passed_both",
        ),
        (r"^(introduced|submitted) in (the )?(house|senate)", "introduced"),
        (
            r"^(received in the (house|senate)|held at the desk|message on \w+ action sent)",
            "other_chamber",
        ),
        (
            r"^(passed/agreed to in|passed (house|senate)|on passage passed"
            r"|resolution agreed to in"
            r"|on motion to suspend the rules and (pass|agree)[^.]* agreed to)",
            PASSAGE,
        ),
        (r"\breported by\b|^reported to (house|senate)", "report"),
        (r"referred to|ordered to be reported|discharged|subcommittee hearings", "committee"),
    )
)

# Library of Congress action codes: below 10000 House, below 28000 Senate (28000 and up are
# the President's); "Intro-H"/"Intro-S" name their chamber.
LOC_SENATE_FROM = 10000
LOC_PRESIDENT_FROM = 28000
