"""UK Parliament Bills API publications of a bill: `GET /api/v1/Bills/{billId}/Publications`.

Not a spider of its own: `parse_publications` is for uk-bills to call on that response. The body
is `{billId, publications[]}` with no `items` wrapper (bill 512, recorded). Each publication
has a type, a display date (naive London time; only its date is kept) and links, each a URL
and a content type (text/html, application/pdf). A body of another shape raises ValueError
naming what is missing; the caller turns it into LayoutChanged with the source and URL.

`bill_numbers` reads the bill's printed numbers from the prints' titles ("Bill 106 09-10 (Lords
Amendments to)", "HL Bill 40 09-10 (as brought from the Commons...)"): the latest per House,
as people cite it ("Bill 106", "HL Bill 40"; the suffix is the print's session). A print
titled without a number ("Bill as introduced") gives none; explanatory notes ("Bill 4 EN
09-10") are not prints of the bill.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from crawlers.html_text import squash


def _links(publication: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"url": str(link["url"]), "content_type": str(link.get("contentType") or "")}
        for link in publication.get("links") or []
        if isinstance(link, dict) and link.get("url")
    ]


def _date(value: Any) -> str:
    """The publication's London date, ISO ("" when absent)."""
    return datetime.fromisoformat(str(value)).date().isoformat() if value else ""


def _publication(publication: Any) -> dict[str, Any]:
    if not isinstance(publication, dict) or not publication.get("title"):
        raise ValueError("publication without a title")
    kind = publication.get("publicationType") or {}
    return {
        "title": squash(str(publication["title"])),
        "type": squash(str(kind.get("name") or "")) if isinstance(kind, dict) else "",
        "date": _date(publication.get("displayDate")),
        "house": str(publication.get("house") or ""),
        "links": _links(publication),
    }


def parse_publications(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Each publication as {title, type, date, house, links: [{url, content_type}]}, in order."""
    publications = body.get("publications") if isinstance(body, dict) else None
    if not isinstance(publications, list):
        raise ValueError("no publications list in the body")
    return [_publication(publication) for publication in publications]


# "HL Bill 40 09-10 (...)", "Bill 106 09-10 (...)", "Bill 123": prefix, number, session suffix.
_BILL_NUMBER = re.compile(r"^(?:(HL) )?Bill (\d+)(?: (\d{2,4}-\d{2}))?(?![\w-])(?! EN\b)")
BILL_PRINT = "Bill"  # the publicationType name of a print of the bill itself


def bill_numbers(publications: list[dict[str, Any]]) -> dict[str, str]:
    """{"Commons": "Bill 106", "Lords": "HL Bill 40"}: each House's latest number.

    Reads `parse_publications` output; only prints of type "Bill" count. Latest by date; on the
    same date the one listed first (the API lists the newest first).
    """
    numbers: dict[str, tuple[str, str]] = {}
    for publication in publications:
        found = _BILL_NUMBER.match(str(publication.get("title") or ""))
        if publication.get("type") != BILL_PRINT or not found:
            continue
        house = "Lords" if found.group(1) else "Commons"
        number = " ".join(part for part in (found.group(1), f"Bill {found.group(2)}") if part)
        date = str(publication.get("date") or "")
        if house not in numbers or date > numbers[house][0]:
            numbers[house] = (date, number)
    return {house: number for house, (_, number) in numbers.items()}
