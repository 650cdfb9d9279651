"""UK Parliament Bills API publications of a bill: `GET /api/v1/Bills/{billId}/Publications`.

Not a spider of its own: `parse_publications` is for uk-bills to call on that response. The body
is `{billId, publications[]}` with no `items` wrapper (bill 512, recorded). Each publication
has a type, a display date (naive London time; only its date is kept) and links, each a URL
and a content type (text/html, application/pdf). A body of another shape raises ValueError
naming what is missing; the caller turns it into LayoutChanged with the source and URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.text import squash


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
