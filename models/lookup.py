"""Finding a document the way people name one: a number, a title, an id or its official URL.

One resolver for `history`, `follow` and the web, tried in this order (the first rule that
finds anything decides):
1. `#12` / `id:12`: FiveWatch's document id;
2. an http(s) URL: the official page (`Document.url`) or a FiveWatch `/bills/12` link;
3. a bill number in any spelling (`C-63`, `c63`, `H.R. 1500`, `HL Bill 12`);
4. the source's own id (`2818`, `116-hr-1500`, `44-1/C-63`), then bare digits as document id;
5. a title, case-insensitive, whole or a prefix, in any of the bill's titles.
Several documents found is ambiguous, except when they share one title and differ only by
session: the newest is meant ("Consumers First" is the 116th Congress's H.R. 1500), and the
others are named beside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from models.documents import Document
from models.text import reference_key

MAX_CANDIDATES = 20
MAX_DOCUMENT_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger one names nothing
_DOCUMENT_ID = re.compile(r"^(?:#|id:)\s*([0-9]+)$", re.IGNORECASE)
_FIVEWATCH_PATH = re.compile(r"/(?:bills|statements|documents)/([0-9]+)/?$")


def clean(reference: str) -> str:
    """The reference as typed, less control and format characters (a NUL never reaches the
    database) and with its spaces collapsed."""
    kept = (char for char in reference if not unicodedata.category(char).startswith("C"))
    return " ".join("".join(kept).split())


def _row_id(digits: str) -> int | None:
    """ASCII digits as a document id, None when no row can have it."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if number <= MAX_DOCUMENT_ID else None


def _id_is(digits: str | None) -> ColumnElement[bool] | None:
    row_id = _row_id(digits) if digits else None
    return None if row_id is None else Document.id == row_id


class AmbiguousReference(ValueError):
    """The reference names several documents; `candidates` lists them (newest first)."""

    def __init__(self, reference: str, candidates: list[Document]) -> None:
        names = "; ".join(describe(document) for document in candidates[:MAX_CANDIDATES])
        super().__init__(f"{reference!r} names {len(candidates)} documents: {names}")
        self.candidates = candidates


@dataclass
class Found:
    document: Document
    how: str  # which rule found it: "id", "url", "number", "source id", "title"
    # Other documents with the same title in other sessions (told apart by session).
    namesakes: list[Document] = field(default_factory=list)


def describe(document: Document) -> str:
    """`H.R. 1500 (116, us) Consumers First Act [#12]`: enough to tell namesakes apart."""
    name = document.reference or document.external_id
    where = ", ".join(part for part in (document.session, document.jurisdiction) if part)
    return f"{name} ({where}) {document.title[:80]} [#{document.id}]"


def _newest_first(statement: Select[Any]) -> Select[Any]:
    return statement.order_by(Document.published_on.desc().nulls_last(), Document.id.desc()).limit(
        MAX_CANDIDATES + 1
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _title_condition(title: str) -> ColumnElement[bool]:
    prefix = _escaped(title.casefold()) + "%"
    return or_(
        func.lower(Document.title).like(prefix, escape="\\"),
        func.lower(Document.title_alt).like(prefix, escape="\\"),
        func.lower(Document.other_titles).like(prefix, escape="\\"),
        func.lower(Document.other_titles).like("%\n" + prefix, escape="\\"),
    )


def _by_url(url: str) -> ColumnElement[bool] | None:
    if not url.lower().startswith(("http://", "https://")):
        return None
    own = _FIVEWATCH_PATH.search(url.split("?")[0])
    trimmed = url.rstrip("/")
    conditions = [Document.url == trimmed, Document.url == trimmed + "/"]
    own_id = _id_is(own.group(1) if own else None)
    return or_(*conditions, *([own_id] if own_id is not None else []))


def _rules(reference: str) -> list[tuple[str, Callable[[], ColumnElement[bool] | None]]]:
    said = clean(reference)
    explicit_id = _DOCUMENT_ID.match(said)
    key = reference_key(said)
    return [
        ("id", lambda: _id_is(explicit_id.group(1) if explicit_id else None)),
        ("url", lambda: _by_url(said)),
        ("number", lambda: Document.reference_key == key if key else None),
        ("source id", lambda: Document.external_id.in_({said, key}) if said else None),
        ("id", lambda: _id_is(said)),
        ("title", lambda: _title_condition(said) if said else None),
    ]


def _same_title(documents: list[Document], said: str) -> bool:
    """All found by one title (whole, or the one title the prefix leads to) in any session."""
    titles = {document.title.casefold() for document in documents}
    sessions = {(document.jurisdiction, document.session) for document in documents}
    return len(sessions) == len(documents) and (
        len(titles) == 1 or _one_matching_title(documents, said)
    )


def _one_matching_title(documents: list[Document], said: str) -> bool:
    prefix = said.casefold()
    matched = set()
    for document in documents:
        lines = [document.title, document.title_alt, *document.other_titles.splitlines()]
        matched |= {line.casefold() for line in lines if line.casefold().startswith(prefix)}
    return len(matched) == 1


def find(session: Session, reference: str, jurisdiction: str | None = None) -> Found | None:
    """The document `reference` names; None when nothing does.

    Raises AmbiguousReference when it names several (its `candidates` say which)."""
    for how, rule in _rules(reference):
        condition = rule()
        if condition is None:
            continue
        statement = select(Document).where(condition)
        if jurisdiction:
            statement = statement.where(Document.jurisdiction == jurisdiction.lower())
        found: list[Document] = list(session.scalars(_newest_first(statement)))
        if not found:
            continue
        if len(found) == 1:
            return Found(found[0], how)
        if how == "title" and _same_title(found, clean(reference)):
            return Found(found[0], how, namesakes=found[1:])
        raise AmbiguousReference(reference, found)
    return None
