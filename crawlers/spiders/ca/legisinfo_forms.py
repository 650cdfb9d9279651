"""LEGISinfo bodies -> plain data: the session list (JSON), one bill as JSON or as XML.

- Bill JSON: the wire shape is a ONE-ELEMENT ARRAY; saved copies that kept only element [0]
  (the ingenium-bcf files) are accepted too.
- Bill XML: `<Bills><Bill>…`; it is turned into the JSON's shape (same element names; the
  repeated elements below become lists) so one mapping serves both. Only `/Bills/Bill/*` is
  read: `SimilarBills` repeats every Bill field, so a `//Field` search would pick theirs.
- LEGISinfo has answered list URLs with a redirect to an HTML page: HTML where JSON or XML was
  expected is a ParseError naming the URL, never "no bills".
- Errors name the item: a detail's errors name the bill as asked ("bill 45-1/S-209: …"), a list
  entry's its position and whatever it does state (number, session, BillId).
- List times carry an offset that is wrong by the UTC offset (PROVENANCE "Time zones": S-209
  lists 10:24:13.35-04:00 for the event its detail states as 14:24:13.35 Ottawa time): the
  list's UTC wall-clock is the Ottawa local time. `listed_activity` decodes it so; should
  LEGISinfo fix its offsets, the decoded time is a few hours late, which only refetches a bill.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from crawlers.errors import LayoutChanged, ParseError

TORONTO = ZoneInfo("America/Toronto")  # Ottawa local time
Data = dict[str, Any]

# Bill XML children that the JSON form gives as arrays (seen in the recorded JSON bodies).
LIST_TAGS = frozenset(
    {
        "HouseBillStages", "SenateBillStages", "RoyalAssent", "HouseAdditionalInformation",
        "SenateAdditionalInformation", "InterChamberMessages", "Sittings", "Decisions",
        "CommitteeMeetings", "SignificantEvents", "Speeches", "Publications", "WebReferences",
        "BibliographicNotices", "HouseVoteDetails", "SenateVoteDetails",
        "HouseRulingAndStatements", "SenateRulingAndStatements", "SimilarBills",
    }
)  # fmt: skip
LIST_KEYS = ("BillNumberFormatted", "ParlSessionCode", "LatestActivityDateTime")


@dataclass(frozen=True)
class ListedBill:
    session: str  # "45-1"
    number: str  # "S-209"
    activity: datetime | None  # latest activity, aware UTC (decoded, see module doc)


def looks_like_html(body: bytes) -> bool:
    """An HTML page (doctype, <html>, or a comment before them), never a JSON body."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:300].lower()
    return head.startswith(b"<") and (head.startswith(b"<!doctype html") or b"<html" in head)


def named(bill: str, cause: str) -> str:
    """The cause of an error about one bill ("45-1/S-209"), naming it when it is known."""
    return f"bill {bill}: {cause}" if bill else cause


def _json(source: str, url: str, body: bytes, bill: str = "") -> Any:
    if looks_like_html(body):
        raise ParseError(source, url, named(bill, "HTML page where JSON was expected"))
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ParseError(source, url, named(bill, f"body is not JSON: {exc}")) from exc


def bill_from_json(source: str, url: str, body: bytes, bill: str = "") -> Data:
    """The bill object of a detail JSON body (wire: `[bill]`; saved copies: `bill`); `bill`
    ("45-1/S-209", as asked) is named in the errors."""
    data = _json(source, url, body, bill)
    if isinstance(data, list):
        if len(data) != 1:
            cause = f"expected a one-element array, got {len(data)}"
            raise LayoutChanged(source, url, named(bill, cause))
        data = data[0]
    if not isinstance(data, dict):
        cause = f"expected a bill object, got {type(data).__name__}"
        raise LayoutChanged(source, url, named(bill, cause))
    return data


def _value(element: etree._Element) -> Any:
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:  # a leaf: its text, less any entity reference or comment (never expanded)
        said = (element.text or "") + "".join(child.tail or "" for child in element)
        return said.strip() or None
    data: Data = {}
    for child in children:
        value = _value(child)
        if child.tag in LIST_TAGS:
            data.setdefault(child.tag, [])
            if value is not None:
                data[child.tag].append(value)
        else:
            data[child.tag] = value
    return data


def bill_from_xml(source: str, url: str, body: bytes, bill: str = "") -> Data:
    """The `/Bills/Bill` element of a detail XML body, in the JSON form's shape; `bill` as in
    bill_from_json."""
    if looks_like_html(body):
        raise ParseError(source, url, named(bill, "HTML page where XML was expected"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(source, url, named(bill, f"body is not XML: {exc}")) from exc
    bills = root.findall("Bill") if root.tag == "Bills" else []  # /Bills/Bill, never //Bill
    if len(bills) != 1:
        cause = f"expected one /Bills/Bill, found {len(bills)}"
        raise LayoutChanged(source, url, named(bill, cause))
    found: Data = _value(bills[0])
    return found


def listed_activity(value: str | None) -> datetime | None:
    """A list `LatestActivityDateTime` as the real instant (aware UTC), see the module doc."""
    if not value:
        return None
    wall_clock = datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    return wall_clock.replace(tzinfo=TORONTO).astimezone(UTC)


def entry_name(index: int, entry: Any) -> str:
    """A list entry as an error names it: `list entry 4 (bill 45-1/C-3)`, or what it states."""
    if not isinstance(entry, dict):
        return f"list entry [{index}] (a {type(entry).__name__}, not a bill)"
    number, session = entry.get("BillNumberFormatted"), entry.get("ParlSessionCode")
    if number and session:
        return f"list entry [{index}] (bill {session}/{number})"
    stated = [
        f"{key} {entry[key]}"
        for key in ("ParlSessionCode", "BillNumberFormatted", "BillNumberPrefix", "BillNumber",
                    "BillId")
        if entry.get(key) not in (None, "")
    ]  # fmt: skip
    return f"list entry [{index}] ({', '.join(stated) or 'no number, session or id'})"


def _listed(source: str, url: str, index: int, entry: Any) -> ListedBill:
    name = entry_name(index, entry)
    if not isinstance(entry, dict) or not all(entry.get(key) for key in LIST_KEYS[:2]):
        cause = f"{name}: list entry without {' / '.join(LIST_KEYS[:2])}"
        raise LayoutChanged(source, url, cause)
    try:
        activity = listed_activity(entry.get("LatestActivityDateTime"))
    except (TypeError, ValueError) as exc:
        raise LayoutChanged(source, url, f"{name}: bad LatestActivityDateTime: {exc}") from exc
    return ListedBill(str(entry["ParlSessionCode"]), str(entry["BillNumberFormatted"]), activity)


def list_entries(source: str, url: str, body: bytes) -> list[ListedBill]:
    """The bills of a session list body (one JSON array, the whole session)."""
    data = _json(source, url, body)
    if not isinstance(data, list):
        raise LayoutChanged(source, url, f"expected an array of bills, got {type(data).__name__}")
    return [_listed(source, url, index, entry) for index, entry in enumerate(data)]
