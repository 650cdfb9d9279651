"""What every request needs: settings, sessions, the mail backend, the limiter, the templates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import nh3
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from alerts.backends.interface import MailBackend
from alerts.render import highlight_html
from fivewatch.config import Config
from fivewatch.web.security import CSRF_FIELD, RateLimiter, csrf_token
from models import Document
from models.taxonomy import topic_labels
from models.text import LINK_SCHEMES, safe_link, xml_text
from models.vocabulary import (
    ACTIVE,
    DOCUMENT_KINDS,
    FREQUENCIES,
    JURISDICTIONS,
    OUTCOME_LABELS,
    status_line,
)

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(("html", "xml")),
    )
)


@dataclass
class WebState:
    config: Config
    sessions: sessionmaker[Session]
    mailer: MailBackend
    limiter: RateLimiter
    feed_max_age: timedelta


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def get_session(request: Request) -> Iterator[Session]:
    with web_state(request).sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
StateDep = Annotated[WebState, Depends(web_state)]


def highlighted(snippet: str) -> Markup:
    """A snippet's [[terms]] as <mark>, escaped first; no inline style (our CSP forbids it)."""
    return Markup(nh3.clean(str(highlight_html(snippet)), tags={"mark"}, attributes={}))


def sanitised(html: str) -> Markup:
    """Third-party HTML (a statement's body) cleaned again by nh3 at the last moment."""
    return Markup(
        nh3.clean(html, url_schemes=set(LINK_SCHEMES), link_rel="noopener noreferrer nofollow")
    )


def csrf_input(request: Request) -> Markup:
    token = Markup.escape(csrf_token(request))
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')


def status_text(document: Document) -> str:
    """A document's status line: "Lapsed — session 44-1 prorogued 2025-01-06" ("" if none)."""
    return status_line(document.outcome, document.outcome_on, document.status)


def outcome_label(outcome: str) -> str:
    """The badge's word for an outcome ("" for a statement, which has none)."""
    return OUTCOME_LABELS.get(outcome, outcome.capitalize()) if outcome else ""


def replace_page(query_string: str, page: int) -> str:
    """The current search's query string on another page."""
    pairs = [(key, value) for key, value in parse_qsl(query_string) if key != "page"]
    return urlencode([*pairs, ("page", str(page))])


def with_filter(query_string: str, name: str, value: str) -> str:
    """The current search narrowed by one more filter, from its first page."""
    pairs = [(key, item) for key, item in parse_qsl(query_string) if key not in ("page", name)]
    return urlencode([*pairs, (name, value)])


templates.env.filters["highlighted"] = highlighted
templates.env.filters["with_filter"] = with_filter
templates.env.filters["http_url"] = safe_link  # the one URL allow-list (models.text)
templates.env.filters["xml_text"] = xml_text
templates.env.filters["replace_page"] = replace_page
templates.env.filters["sanitised"] = sanitised
templates.env.filters["status_text"] = status_text
templates.env.filters["outcome_label"] = outcome_label
templates.env.globals["ACTIVE"] = ACTIVE
# The choices every form and filter offers, in order (models.vocabulary).
templates.env.globals["JURISDICTIONS"] = JURISDICTIONS
templates.env.globals["DOCUMENT_KINDS"] = DOCUMENT_KINDS
templates.env.globals["FREQUENCIES"] = FREQUENCIES
templates.env.globals["csrf_input"] = csrf_input
templates.env.globals["topic_labels"] = topic_labels  # slug -> label, read when a page asks


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    response: Response = templates.TemplateResponse(
        request=request, name=name, context=context, status_code=status_code
    )
    return response
