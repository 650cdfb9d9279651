"""A bill's new text version in alerts: what changed since the version before it, and term
alerts (a subscription's words that appeared in or disappeared from the text).

The comparing itself is models.billtext's, so alerts say what the web and the CLI show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, Query
from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.evaluate import evaluate
from alerts.query.topics import written_term
from alerts.snippet import snippet
from models import Change
from models.billtext import (
    Section,
    TermChange,
    TextDiff,
    diff_sections,
    sections_from_json,
    term_changes,
)
from models.documents import BillText


@dataclass
class TextStep:
    """A new text version and the one before it in stage order (None for a bill's first)."""

    new: BillText
    old: BillText | None

    @cached_property
    def new_sections(self) -> list[Section]:
        return sections_from_json(self.new.sections)

    @cached_property
    def old_sections(self) -> list[Section]:
        return sections_from_json(self.old.sections) if self.old is not None else []

    @cached_property
    def diff(self) -> TextDiff:
        return diff_sections(self.old_sections, self.new_sections)

    def brought(self, kind: str, section: Section) -> bool:
        """Whether `section` was "added" or "removed" (`kind`) in this step."""
        return any(
            change.kind == kind and section in (change.new, change.old)
            for change in self.diff.changes
        )

    @cached_property
    def sentence(self) -> str:
        """`new text: Reported in House (2019-05-10): 4 sections reworded since Introduced in
        House (2019-03-05)`, or `first text: Introduced in House (2019-03-05), 8 sections`;
        the text's note (a late arrival, a re-issue) after it. Worded once for all alerts."""
        if self.old is None:
            count = len(self.new_sections)
            said = f"first text: {_version(self.new)}, {count} section{'s' if count != 1 else ''}"
        else:
            said = (
                f"new text: {_version(self.new)}: {self.diff.sentence()} since {_version(self.old)}"
            )
        return f"{said} ({self.new.note})" if self.new.note else said

    def term_changes(self, terms: Iterable[str]) -> list[TermChange]:
        """The terms' changes since the version before, sections themselves before a table of
        contents (which only repeats their headings); none for a bill's first text."""
        if self.old is None:
            return []
        found = term_changes(self.old_sections, self.new_sections, list(dict.fromkeys(terms)))
        return sorted(found, key=lambda change: _is_table_of_contents(change.section))


def _version(text: BillText) -> str:
    """`Reported in House (2019-05-10)`."""
    name = _stage(text)
    return f"{name} ({text.issued_on.isoformat()})" if text.issued_on else name


def _stage(text: BillText) -> str:
    return text.stage or text.code


def _is_table_of_contents(section: Section) -> bool:
    return "table of contents" in section.heading.lower()


def text_steps(session: Session, changes: Iterable[Change]) -> dict[int, TextStep]:
    """Each new-text change's step (by change id), against the texts stored now."""
    return {
        change.id: TextStep(change.text, previous_text(session, change.text))
        for change in changes
        if change.kind == "new_text" and change.text is not None
    }


def previous_text(session: Session, text: BillText) -> BillText | None:
    """The bill's version just before `text` in stage order (ties: the one stored first)."""
    earlier = or_(
        BillText.sequence < text.sequence,
        and_(BillText.sequence == text.sequence, BillText.id < text.id),
    )
    statement = (
        select(BillText)
        .where(BillText.document_id == text.document_id, earlier)
        .order_by(BillText.sequence.desc(), BillText.id.desc())
        .limit(1)
    )
    return session.scalars(statement).first()


@dataclass(frozen=True)
class WatchedTerms:
    """What a term-alert subscription watches in a bill's text: its query's words and phrases
    (those under NOT excluded: they ask for nothing), and what its query rules documents out by
    (top-level filters and negations) besides its own jurisdictions and types."""

    terms: tuple[Term, ...]
    conditions: tuple[Node, ...]

    @classmethod
    def of(cls, query: Query, own: Iterable[Filter]) -> WatchedTerms:
        top = query.root.children if isinstance(query.root, And) else (query.root,)
        rules = tuple(node for node in top if isinstance(node, Filter | Not))
        # Prefixes are left out: a term change is a whole word or phrase appearing.
        wanted = (term for term in positive_terms(query.root) if not term.prefix)
        return cls(tuple(dict.fromkeys(wanted)), (*own, *rules))

    @property
    def words(self) -> list[str]:
        """The terms as `term_changes` takes them."""
        return [" ".join(term.words) for term in self.terms]

    def as_written(self, change: TermChange) -> TermChange:
        """`change` naming its term as the query writes it (`HMDA`, `accès`), not folded."""
        written = {" ".join(term.words): term.written for term in self.terms}
        return replace(change, term=written.get(change.term) or change.term)

    def applies_to(self, doc: MatchDocument) -> bool:
        return all(evaluate(condition, doc) is not None for condition in self.conditions)


def positive_terms(node: Node) -> list[Term]:
    """The words and phrases a query asks for, in query order (NEAR operands included)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, InTitle):
        return positive_terms(node.child)
    if isinstance(node, And | Or):
        return [term for child in node.children for term in positive_terms(child)]
    return []  # filters, and what NOT excludes


def term_changes_by_subscription(
    step: TextStep, watchers: dict[int, WatchedTerms]
) -> dict[int, list[TermChange]]:
    """Per subscription, its terms' changes in this step (those with any): the texts are
    compared once for every watcher's terms together."""
    found = step.term_changes(word for watched in watchers.values() for word in watched.words)
    per_subscription = {
        subscription_id: [
            watched.as_written(change) for change in found if change.term in watched.words
        ]
        for subscription_id, watched in watchers.items()
    }
    return {
        subscription_id: changes for subscription_id, changes in per_subscription.items() if changes
    }


def term_reason(step: TextStep, change: TermChange) -> str:
    """`"payday" appeared in SEC. 17. Report on payday loan… between Reported in House and
    Engrossed in House`."""
    assert step.old is not None  # a term changes only since a version before
    return (
        f'"{change.term}" {change.direction} in {change.section.label} '
        f"between {_stage(step.old)} and {_stage(step.new)}"
    )


def before_and_after(step: TextStep, change: TermChange) -> str:
    """`before: (new section) · after: Report on [[payday]] loan…`, the term marked."""
    before = _marked(change.before, change.term) or _missing(step, "added", change.section)
    after = _marked(change.after, change.term) or _missing(step, "removed", change.section)
    return f"before: {before} · after: {after}"


def _missing(step: TextStep, kind: str, section: Section) -> str:
    """What stands for the sentence the other version lacks."""
    if step.brought(kind, section):
        return "(new section)" if kind == "added" else "(section removed)"
    return "(no similar sentence)"


def _marked(sentence: str, term: str) -> str:
    """The sentence as written, in one line, the term's words in [[ ]] wherever they are."""
    doc = MatchDocument(title="", text=sentence)
    found = evaluate(written_term(term), doc) or []
    return snippet(doc, found, None, width=len(doc.text))
