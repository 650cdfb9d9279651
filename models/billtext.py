"""A bill's text by section, and what changed between two of its versions (pure: no I/O).

Crawlers parse a published text into `TextVersionRecord`s; the store keeps them as `BillText`
rows (sections as JSON); alerts, the web and the CLI diff them here, so all three say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Section:
    """One section of a bill's text, in reading order.

    `text` is the section's own words (its subsections, paragraphs... one a line, each led by
    its enumerator, e.g. "(a) In general.—The Director shall..."), without the quoted blocks;
    `quoted` holds each quoted block (amended law the section inserts) as text, apart.
    """

    number: str  # "3", "101", "" when unnumbered
    heading: str  # "Consumer Financial Protection Bureau"
    text: str
    quoted: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`SEC. 3. Consumer Financial Protection Bureau` (what users are shown)."""
        raise NotImplementedError


@dataclass
class TextVersionRecord:
    """One published text version of a bill, parsed: what crawlers yield, the store keeps."""

    source: str  # the spider's slug
    bill_external_id: str  # the document's external_id within that source ("116-hr-1500")
    code: str  # "ih", "rh", "eh", "rfs"...
    stage: str  # "Introduced in House", as the source names it
    issued_on: date | None
    url: str
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text_hash(self) -> str:
        """sha256 of the sections' canonical JSON: the same text gives the same hash."""
        raise NotImplementedError


def sections_to_json(sections: list[Section]) -> list[dict[str, Any]]:
    raise NotImplementedError


def sections_from_json(rows: list[dict[str, Any]]) -> list[Section]:
    raise NotImplementedError


def plain_text(sections: list[Section]) -> str:
    """The whole text, a section a paragraph, labels included: what search indexes."""
    raise NotImplementedError


def stage_order(code: str, issued_on: date | None) -> tuple[Any, ...]:
    """The sort key that puts a bill's versions in stage order (date, then the code's rank)."""
    raise NotImplementedError


@dataclass(frozen=True)
class SectionChange:
    """One section's fate between two versions."""

    kind: str  # "added" | "removed" | "moved" | "reworded" | "unchanged"
    old: Section | None
    new: Section | None
    # Inside a reworded section: ("equal" | "insert" | "delete", words), in reading order.
    words: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TextDiff:
    changes: tuple[SectionChange, ...]

    def sentence(self) -> str:
        """`2 sections added (SEC. 8. ..., SEC. 9. ...), 3 reworded, 1 removed` or
        `no change to the text`."""
        raise NotImplementedError


def diff_sections(old: list[Section], new: list[Section]) -> TextDiff:
    raise NotImplementedError


@dataclass(frozen=True)
class TermChange:
    """A watched term that appeared in or disappeared from a section between two versions."""

    term: str  # as the subscriber wrote it
    direction: str  # "appeared" | "disappeared"
    section: Section  # where (the new section when it appeared, the old when it disappeared)
    before: str  # the sentence before ("" when the section is new)
    after: str  # the sentence after ("" when the section was removed)


def term_changes(old: list[Section], new: list[Section], terms: list[str]) -> list[TermChange]:
    raise NotImplementedError
