"""Home (latest activity, source health), bill and statement pages, the compare view."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from fivewatch.health import HealthPolicy, health_report
from fivewatch.web import queries
from fivewatch.web.chart import progress_chart, stage_table
from fivewatch.web.schemas import RowId
from fivewatch.web.state import SessionDep, StateDep, render
from models import utcnow
from models.taxonomy import load_topics

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep, state: StateDep) -> Response:
    """Latest activity, and each source's verdict as `fivewatch sources` gives it (stale too)."""
    context = {
        "changes": queries.latest_changes(session),
        "sources": health_report(session, HealthPolicy.from_config(state.config), utcnow()),
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
