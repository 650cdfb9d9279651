"""Home (latest activity, source health), bill and statement pages, the compare view."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from fivewatch.web import queries
from fivewatch.web.chart import progress_chart, stage_table
from fivewatch.web.schemas import RowId
from fivewatch.web.state import SessionDep, StateDep, render
from models import lookup
from models.taxonomy import load_topics

MAX_REFERENCE = 300  # characters; the longest real title is far shorter
JURISDICTIONS = ("us", "uk", "ca", "au", "nz")
# What /find tries, in models.lookup's order, said to someone whose reference found nothing.
FIND_RULES = (
    "a FiveWatch id (#12)",
    "an official page or FiveWatch URL",
    "a bill number in any spelling (C-63, H.R. 1500, HL Bill 12)",
    "the source's own id (44-1/C-63, 2818)",
    "the start of any of a bill's titles, in any case",
)

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep, state: StateDep) -> Response:
    """Latest activity, and each source's verdict as `fivewatch sources` gives it (stale too)."""
    context = {
        "changes": queries.latest_changes(session),
        "sources": queries.sources(session, state.config),
    }
    return render(request, "home.html", context)


@router.get("/documents/{document_id}")
def document_page(request: Request, session: SessionDep, document_id: RowId) -> Response:
    """The page our emails link to: a bill's page or a statement's, by its kind."""
    document = queries.document_or_404(session, document_id)
    if document.kind == "bill":
        return bill_page(request, session, document_id)
    return statement_page(request, session, document_id)


@router.get("/bills/{document_id}")
def bill_page(request: Request, session: SessionDep, document_id: RowId) -> Response:
    bill = queries.document_or_404(session, document_id, "bill")
    context = {
        "bill": bill,
        "chambers": queries.by_chamber(queries.timeline(session, bill)),
        "publications": queries.publications(bill),
        "statements": queries.mentioning(session, bill),
    }
    return render(request, "bill.html", context)


@router.get("/statements/{document_id}")
def statement_page(request: Request, session: SessionDep, document_id: RowId) -> Response:
    statement = queries.document_or_404(session, document_id, "statement")
    context = {"statement": statement, "bills": queries.mentioned_bills(session, statement)}
    return render(request, "statement.html", context)


@router.get("/compare")
def compare(request: Request, session: SessionDep, topic: str = "") -> Response:
    """Bills on a topic side by side, stage by stage, with their progress over time."""
    bills = queries.bills_on_topic(session, topic)
    context = {
        "topic": topic,
        "topics": load_topics(),
        "bills": bills,
        "stages": stage_table(bills),
        "chart": progress_chart(bills),
    }
    return render(request, "compare.html", context)


def _found_page(document_id: int, kind: str) -> str:
    return f"/bills/{document_id}" if kind == "bill" else f"/statements/{document_id}"


@router.get("/find")
def find_document(
    request: Request, session: SessionDep, ref: str = "", jurisdiction: str = ""
) -> Response:
    """A bill or statement as people name it (models.lookup): one match is a redirect to its
    page, several a page listing them, none a 404 saying what was tried."""
    said = lookup.clean(ref)
    where = jurisdiction.lower() if jurisdiction.lower() in JURISDICTIONS else ""
    context: dict[str, object] = {"ref": said, "jurisdiction": where, "rules": FIND_RULES}
    if not ref:
        return render(request, "find.html", context)
    if not said:  # nothing but control characters
        return render(request, "find.html", context | {"nothing": True}, status_code=404)
    if len(said) > MAX_REFERENCE:
        context |= {"ref": said[:80] + "…", "too_long": len(said)}
        return render(request, "find.html", context, status_code=400)
    try:
        found = lookup.find(session, said, where or None)
    except lookup.AmbiguousReference as error:
        listed = [(document, lookup.describe(document)) for document in error.candidates]
        context |= {
            "candidates": listed[: lookup.MAX_CANDIDATES],
            "more": len(listed) > lookup.MAX_CANDIDATES,
        }
        return render(request, "find.html", context)
    if found is None:
        return render(request, "find.html", context | {"nothing": True}, status_code=404)
    return RedirectResponse(_found_page(found.document.id, found.document.kind), status_code=303)
