"""The search page and the CSV / JSON export of a search's full result: alerts.finder finds,
alerts.result_columns gives the export its columns."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BeforeValidator
from starlette.responses import Response

from alerts.finder import Filters, Found, Scope, Sort, find
from alerts.query import QuerySyntaxError
from alerts.result_columns import COLUMN_NAMES, result_row
from fivewatch.web.params import CleanText
from fivewatch.web.state import SessionDep, render
from models.taxonomy import load_topics
from models.vocabulary import DocumentKind, Jurisdiction

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
# The search parameter each facet (alerts.finder.FACETS) narrows by.
FACET_PARAMETERS = {"jurisdiction": "jurisdiction", "kind": "type", "stage_category": "stage",
                    "topics": "topic"}  # fmt: skip


def _blank_is_none(value: object) -> object:
    return value or None


# A browser sends an empty date input as "since=": that means no bound, not a bad date.
OptionalDate = Annotated[date | None, BeforeValidator(_blank_is_none), Query()]


def search_filters(
    q: Annotated[str, Query(max_length=2000)] = "",
    jurisdiction: Annotated[list[Jurisdiction] | None, Query()] = None,
    type: Annotated[list[DocumentKind] | None, Query()] = None,
    stage: Annotated[CleanText, Query(max_length=32)] = "",
    topic: Annotated[CleanText, Query(max_length=64)] = "",
    since: OptionalDate = None,
    until: OptionalDate = None,
    sort: Sort = Sort.RELEVANCE,
    scope: Scope = Scope.ON_TOPIC,
) -> Filters:
    return Filters(
        query=q,
        jurisdictions=tuple(jurisdiction or ()),
        kinds=tuple(type or ()),
        stage=stage,
        topic=topic,
        since=since,
        until=until,
        sort=sort,
        scope=scope,
    )


FiltersDep = Annotated[Filters, Depends(search_filters)]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    context: dict[str, object] = {
        "filters": filters,
        "page": page,
        "topics": load_topics(),
        "facet_parameters": FACET_PARAMETERS,
    }
    try:
        found = find(session, replace(filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE))
    except QuerySyntaxError as error:
        context["error"] = error
        return render(request, "search.html", context, status_code=400)
    context |= {
        "found": found,
        "pages": -(-found.total // PAGE_SIZE),
        "export_query": request.url.query,
    }
    return render(request, "search.html", context)


def bad_query(error: QuerySyntaxError) -> HTTPException:
    """A 400 naming what was expected and where (0-based column) in the query."""
    return HTTPException(400, {"message": error.message, "position": error.position})


def everything(session: SessionDep, filters: FiltersDep) -> Found:
    """The full result of a search, for exports."""
    try:
        return find(session, filters)
    except QuerySyntaxError as error:
        raise bad_query(error) from error


FoundDep = Annotated[Found, Depends(everything)]


@router.get("/search/export.csv")
def export_csv(found: FoundDep) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    writer.writerows(result_row(hit) for hit in found.hits)
    return _download(buffer.getvalue(), "text/csv; charset=utf-8", "fivewatch-search.csv")


@router.get("/search/export.json")
def export_json(found: FoundDep) -> Response:
    payload = json.dumps([result_row(hit) for hit in found.hits], ensure_ascii=False)
    return _download(payload, "application/json", "fivewatch-search.json")


def _download(body: str, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
