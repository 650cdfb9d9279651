"""Error pages for people, JSON for programs: every HTTP error, bad parameters, crashes.

A browser asks for text/html when it opens a page; it gets a page with the status, what went
wrong and links back. Anything under /api, and any client that does not ask for HTML (a
webhook sender, curl, a script fetching an export), keeps FastAPI's JSON answers unchanged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fivewatch.web.security import SECURITY_HEADERS
from fivewatch.web.state import render

logger = logging.getLogger(__name__)

# Said when the error itself says nothing more than its status (an unknown path's "Not Found").
EXPLANATIONS = {
    404: "There is no page at this address: the link may be mistyped, or the page was removed.",
    422: "This page could not be shown with the parameters in its address:",
    500: "Sorry, something went wrong on our side while showing this page.",
}
# Where a parameter came from is not the reader's concern: "page", not "query.page".
_LOCATIONS = {"query", "path", "body", "header", "cookie"}


def wants_html(request: Request) -> bool:
    path = request.url.path
    is_api = path == "/api" or path.startswith("/api/")
    return not is_api and "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request,
    status: int,
    message: str,
    *,
    problems: Sequence[str] = (),
    reference: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    context = {
        "status": status,
        "title": HTTPStatus(status).phrase,
        "message": message,
        "problems": problems,
        "reference": reference,
    }
    response = render(request, "error.html", context, status_code=status)
    response.headers.update(headers or {})
    return response


def _message(status: int, detail: Any) -> str:
    """The error's own words (a query error's message), else a plain explanation."""
    if isinstance(detail, Mapping):
        detail = detail.get("message")
    generic = not detail or detail == HTTPStatus(status).phrase
    return EXPLANATIONS.get(status, HTTPStatus(status).phrase) if generic else str(detail)


def problem(error: Mapping[str, Any]) -> str:
    """One line of a validation error: "page: Input should be greater than or equal to 1"."""
    field = ".".join(str(part) for part in error["loc"] if part not in _LOCATIONS)
    return f"{field or 'request'}: {error['msg']}"


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, exc)
    message = _message(exc.status_code, exc.detail)
    return error_page(request, exc.status_code, message, headers=exc.headers)


async def invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not wants_html(request):
        return await request_validation_exception_handler(request, exc)
    problems = [problem(error) for error in exc.errors()]
    return error_page(request, 422, EXPLANATIONS[422], problems=problems)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A 500 with a reference to quote; the traceback goes to the log under that reference only.

    Starlette calls this outside every middleware, so the security headers are added here.
    """
    reference = secrets.token_hex(6)
    logger.error(
        "Unexpected error (reference %s) on %s %r",
        reference,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    response: Response
    if wants_html(request):
        response = error_page(request, 500, EXPLANATIONS[500], reference=reference)
    else:
        body = {"detail": "Internal Server Error", "reference": reference}
        response = JSONResponse(body, status_code=500)
    response.headers.update(SECURITY_HEADERS)
    return response


def add_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected_error)
