"""Home (latest activity, source health), bill and statement pages, the compare view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from alerts.finder import Scope
from fivewatch.web import billtexts, queries
from fivewatch.web.bill_facts import bill_facts
from fivewatch.web.billtexts import SameVersion, TextVersion, UnknownVersion
from fivewatch.web.chart import lines, progress_chart
from fivewatch.web.compare_view import aligned_rows, compare_columns, compare_csv
from fivewatch.web.schemas import RowId
from fivewatch.web.state import SessionDep, StateDep, render
from models import Document, lookup
from models.taxonomy import load_topics
from models.vocabulary import JURISDICTIONS

MAX_REFERENCE = 300  # characters; the longest real title is far shorter
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
def home(
    request: Request, session: SessionDep, state: StateDep, scope: Scope = Scope.ON_TOPIC
) -> Response:
    """Latest activity (of on-topic documents, or all), and each source's verdict as
    `fivewatch sources` gives it (stale too)."""
    on_topic = scope == Scope.ON_TOPIC
    context = {
        "changes": queries.latest_changes(session, on_topic=on_topic),
        "counts": queries.document_counts(session),
        "scope": scope,
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
    """A bill's status badge, progress per chamber, events, titles, summary, texts,
    statements and follow form (fivewatch.web.bill_facts: the API's facts too)."""
    facts = bill_facts(session, queries.document_or_404(session, document_id, "bill"))
    context = {"bill": facts.bill, "facts": facts, "texts": facts.texts,
               "newest_pair": billtexts.newest_pair(facts.texts)}  # fmt: skip
    return render(request, "bill.html", context)


VersionKey = Annotated[str, Path(max_length=40)]


def _no_such_version(
    request: Request, bill: Document, message: str, versions: list[TextVersion]
) -> Response:
    """404, naming the versions there are (with links), so the next click finds one."""
    context = {"bill": bill, "message": message, "texts": versions}
    return render(request, "bill_text_missing.html", context, status_code=404)


@router.get("/bills/{document_id}/text/{key}")
def bill_text_page(
    request: Request, session: SessionDep, document_id: RowId, key: VersionKey
) -> Response:
    """One text version, section by section; `key` is its code, or "code:issue" when re-issued."""
    bill = queries.document_or_404(session, document_id, "bill")
    versions = billtexts.versions_of(bill)
    try:
        version = billtexts.find_version(versions, key)
    except UnknownVersion as error:
        return _no_such_version(request, bill, str(error), versions)
    context = {"bill": bill, "version": version, "texts": versions,
               "previous": billtexts.version_before(versions, version)}  # fmt: skip
    return render(request, "bill_text.html", context)


@router.get("/bills/{document_id}/diff")
def bill_diff_page(
    request: Request,
    session: SessionDep,
    document_id: RowId,
    old: Annotated[str, Query(alias="from", max_length=40)] = "",
    new: Annotated[str, Query(alias="to", max_length=40)] = "",
) -> Response:
    """What changed between two versions (by default the two newest), section by section."""
    bill = queries.document_or_404(session, document_id, "bill")
    versions = billtexts.versions_of(bill)
    default = billtexts.newest_pair(versions)
    if default is None:
        message = f"Comparing needs two text versions; this bill has {len(versions)}"
        return _no_such_version(request, bill, message, versions)
    context: dict[str, object] = {"bill": bill, "texts": versions}
    try:
        context["compared"] = billtexts.compare(versions, old or default[0], new or default[1])
    except UnknownVersion as error:
        return _no_such_version(request, bill, str(error), versions)
    except SameVersion as error:
        context |= {"error": str(error), "chosen": (old, new)}
        return render(request, "bill_diff.html", context, status_code=400)
    return render(request, "bill_diff.html", context)


@router.get("/statements/{document_id}")
def statement_page(request: Request, session: SessionDep, document_id: RowId) -> Response:
    statement = queries.document_or_404(session, document_id, "statement")
    context = {"statement": statement, "bills": queries.mentioned_bills(session, statement)}
    return render(request, "statement.html", context)


@router.get("/compare")
def compare(
    request: Request, session: SessionDep, topic: str = "", scope: Scope = Scope.ON_TOPIC
) -> Response:
    """Bills on a topic (any topic by default, or all) side by side, one row per common
    stage step, with a chart of how far and how fast each went."""
    columns = compare_columns(session, topic, on_topic=scope == Scope.ON_TOPIC)
    drawn = lines(columns)
    context = {
        "topic": topic,
        "scope": scope,
        "topics": load_topics(),
        "columns": columns,
        "rows": aligned_rows(columns),
        "lines": drawn,
        "chart": progress_chart(drawn),
    }
    return render(request, "compare.html", context)


@router.get("/compare.csv")
def compare_csv_export(
    session: SessionDep, topic: str = "", scope: Scope = Scope.ON_TOPIC
) -> Response:
    """The compare table as CSV: the same bills, rows and dates."""
    columns = compare_columns(session, topic, on_topic=scope == Scope.ON_TOPIC)
    headers = {"Content-Disposition": 'attachment; filename="fivewatch-compare.csv"'}
    body = compare_csv(columns, aligned_rows(columns))
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


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
