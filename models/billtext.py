"""A bill's text by section, and what changed between two of its versions (pure: no I/O).

Crawlers parse a published text into `TextVersionRecord`s; the store keeps them as `BillText`
rows (sections as JSON); alerts, the web and the CLI diff them here, so all three say the same.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from models.text import tokens


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
        """`SEC. 3. Consumer Financial Protection Bureau` (what users are shown); the heading
        alone when unnumbered."""
        if not self.number:
            return self.heading
        return f"SEC. {self.number}. {self.heading}".rstrip()

    @property
    def lines(self) -> list[str]:
        """Heading, text and quoted blocks, the empty ones left out: everything the section says."""
        return [part for part in (self.heading, self.text, *self.quoted) if part]


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
        canonical = json.dumps(
            sections_to_json(self.sections),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def sections_to_json(sections: list[Section]) -> list[dict[str, Any]]:
    """The sections as JSON-ready rows (what `BillText.sections` stores)."""
    return [
        {
            "number": section.number,
            "heading": section.heading,
            "text": section.text,
            "quoted": list(section.quoted),
        }
        for section in sections
    ]


def sections_from_json(rows: list[dict[str, Any]]) -> list[Section]:
    """The inverse of `sections_to_json`, exactly."""
    return [
        Section(
            number=row["number"],
            heading=row["heading"],
            text=row["text"],
            quoted=tuple(row.get("quoted", ())),
        )
        for row in rows
    ]


def plain_text(sections: list[Section]) -> str:
    """The whole text, a section a paragraph, labels included: what search indexes."""
    paragraphs = ("\n".join(filter(None, (s.label, s.text, *s.quoted))) for s in sections)
    return "\n\n".join(paragraphs)


# GovInfo's bill version codes in the order a bill goes through them (introduced, referred,
# reported, placed on the calendar, engrossed, amended, enrolled); see
# https://www.govinfo.gov/help/bills. Unknown codes sort after these, alphabetically.
VERSION_CODES = (
    "ih", "is", "ath", "ats", "rih", "ris", "rh", "rs", "rch", "rcs", "rfh", "rfs",
    "rdh", "rds", "pch", "pcs", "eh", "es", "eah", "eas", "cph", "cps", "enr",
)  # fmt: skip
_CODE_RANK = {code: rank for rank, code in enumerate(VERSION_CODES)}


def stage_order(code: str, issued_on: date | None) -> tuple[Any, ...]:
    """The sort key that puts a bill's versions in stage order (date, then the code's rank).

    Undated versions come after the dated ones, among themselves by the code's rank.
    """
    rank = _CODE_RANK.get(code.lower(), len(VERSION_CODES))
    return (issued_on is None, issued_on or date.min, rank, code.lower())


@dataclass(frozen=True)
class SectionChange:
    """One section's fate between two versions.

    "moved": the same words under another number; "reworded": words changed (the number may
    have changed too: compare `old.number` and `new.number`); "added" has no `old`,
    "removed" no `new`.
    """

    kind: str  # "added" | "removed" | "moved" | "reworded" | "unchanged"
    old: Section | None
    new: Section | None
    # Inside a reworded section: ("equal" | "insert" | "delete", words), in reading order.
    words: tuple[tuple[str, str], ...] = ()


CHANGE_KINDS = ("added", "removed", "moved", "reworded")
_EXAMPLES = 3  # labels named in a sentence per kind, the rest counted


@dataclass(frozen=True)
class TextDiff:
    changes: tuple[SectionChange, ...]

    def sentence(self) -> str:
        """`2 sections added (SEC. 8. ..., SEC. 9. ...), 3 reworded, 1 removed` or
        `no change to the text`: counts in a fixed order (added, removed, moved, reworded),
        the added and removed sections named (three, then "and N more")."""
        parts: list[str] = []
        for kind in CHANGE_KINDS:
            changed = [c for c in self.changes if c.kind == kind]
            if not changed:
                continue
            noun = "" if parts else (" section " if len(changed) == 1 else " sections ")
            part = f"{len(changed)}{noun or ' '}{kind}"
            if kind in ("added", "removed"):
                part += f" ({_examples(changed)})"
            parts.append(part)
        return ", ".join(parts) if parts else "no change to the text"


def _examples(changes: list[SectionChange]) -> str:
    labels = [section.label for c in changes if (section := c.new or c.old) is not None]
    shown = ", ".join(labels[:_EXAMPLES])
    rest = len(labels) - _EXAMPLES
    return f"{shown}, and {rest} more" if rest > 0 else shown


# Two sections are the same one reworded when this much of their words (heading included)
# survive, by difflib's ratio.
SIMILAR = 0.5
# Beyond this many unmatched section pairs, only pairs sharing a number or a heading are
# compared: keeps an omnibus bill's diff from going quadratic in its sections.
_MAX_PAIRS = 20_000


def _lines(section: Section) -> list[str]:
    """The section's lines (heading, provisions, quoted lines): the units a diff aligns first."""
    return "\n".join(section.lines).splitlines()


def _words(section: Section) -> list[str]:
    return " ".join(section.lines).split()


def _word_ops(old: Section, new: Section) -> Iterator[tuple[str, list[str], list[str]]]:
    """(opcode, old words, new words) in reading order: lines aligned first, then words
    within the lines that differ. Two levels keep difflib off quadratic work over thousands
    of words full of "the" and "of", and give the edit a reader would make."""
    a_lines, b_lines = _lines(old), _lines(new)
    by_line = SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for op, i1, i2, j1, j2 in by_line.get_opcodes():
        a = " ".join(a_lines[i1:i2]).split()
        b = " ".join(b_lines[j1:j2]).split()
        if op != "replace":
            yield op, a, b
            continue
        by_word = SequenceMatcher(None, a, b, autojunk=False)
        for word_op, k1, k2, m1, m2 in by_word.get_opcodes():
            yield word_op, a[k1:k2], b[m1:m2]


def _similarity(old: Section, new: Section) -> float:
    """difflib's ratio over the two sections' words, through `_word_ops`."""
    same = total = 0
    for op, a, b in _word_ops(old, new):
        total += len(a) + len(b)
        same += 2 * len(b) if op == "equal" else 0
    return same / total if total else 1.0


def _align(old: list[Section], new: list[Section]) -> list[tuple[int | None, int | None]]:
    """(old index, new index) pairs: matched sections, then the added (None, j) and the
    removed (i, None), in the new version's reading order, removed ones where they were."""
    matched = _exact_matches(old, new)
    matched.update(_similar_matches(old, new, matched))
    return _in_reading_order(len(old), len(new), matched)


def _exact_matches(old: list[Section], new: list[Section]) -> dict[int, int]:
    """new index -> old index, for sections whose heading, text and quoted blocks are the same
    (a moved one included); among identical ones the first free old section is taken."""
    by_content: dict[tuple[str, str, tuple[str, ...]], list[int]] = defaultdict(list)
    for i, section in enumerate(old):
        by_content[(section.heading, section.text, section.quoted)].append(i)
    matched: dict[int, int] = {}
    for j, section in enumerate(new):
        free = by_content.get((section.heading, section.text, section.quoted))
        if free:
            matched[j] = free.pop(0)
    return matched


def _similar_matches(
    old: list[Section], new: list[Section], matched: dict[int, int]
) -> dict[int, int]:
    """new index -> old index for the sections left: first those keeping their number and
    heading (when alike enough), then the most similar pairs of the rest."""
    taken = set(matched.values())
    found = _same_place_matches(old, new, matched, taken)
    olds = [i for i in range(len(old)) if i not in taken]
    news = [j for j in range(len(new)) if j not in matched and j not in found]
    candidates = _Candidates(old, olds, narrow=len(olds) * len(news) > _MAX_PAIRS)
    old_words = {i: _words(old[i]) for i in olds}
    scored: list[tuple[float, int, int]] = []
    matcher = SequenceMatcher(None, autojunk=False)
    for j in news if olds else ():
        matcher.set_seq2(_words(new[j]))  # difflib caches b: set once per new section
        for i in candidates.for_section(new[j]):
            matcher.set_seq1(old_words[i])
            # The cheap upper bounds first: most pairs are nothing alike.
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue
            ratio = _similarity(old[i], new[j])
            if ratio >= SIMILAR:
                scored.append((ratio, i, j))
    for _ratio, i, j in sorted(scored, key=lambda score: (-score[0], score[2], score[1])):
        if j not in found and i not in taken:
            found[j] = i
            taken.add(i)
    return found


def _same_place_matches(
    old: list[Section], new: list[Section], matched: dict[int, int], taken: set[int]
) -> dict[int, int]:
    """new index -> old index for a section under the same number and heading as before and
    alike enough: the usual rewording, found without comparing every pair. Adds to `taken`."""
    by_place = {(old[i].number, old[i].heading): i for i in range(len(old)) if i not in taken}
    found: dict[int, int] = {}
    for j, section in enumerate(new):
        i = by_place.get((section.number, section.heading))
        if j in matched or i is None or i in taken:
            continue
        if _similarity(old[i], section) >= SIMILAR:
            found[j] = i
            taken.add(i)
    return found


class _Candidates:
    """The old sections a new one may be a rewording of: all of them, or when there are too
    many pairs (`narrow`), those sharing its number or its heading."""

    def __init__(self, old: list[Section], olds: list[int], *, narrow: bool) -> None:
        self.olds = olds
        self.narrow = narrow
        self.by_key: dict[str, list[int]] = defaultdict(list)
        if narrow:
            for i in olds:
                self.by_key["#" + old[i].number].append(i)
                self.by_key[" ".join(tokens(old[i].heading))].append(i)

    def for_section(self, section: Section) -> Iterable[int]:
        if not self.narrow:
            return self.olds
        by_number = self.by_key.get("#" + section.number, [])
        by_heading = self.by_key.get(" ".join(tokens(section.heading)), [])
        return dict.fromkeys(by_number + by_heading)  # both, once each, in order


def _in_reading_order(
    old_count: int, new_count: int, matched: dict[int, int]
) -> list[tuple[int | None, int | None]]:
    """Every new section in order with its match; each removed old section right after the
    nearest old section before it that survived (at the start when none did)."""
    new_of_old = {i: j for j, i in matched.items()}
    after: dict[int | None, list[int]] = defaultdict(list)  # new index -> removed olds after it
    anchor: int | None = None
    for i in range(old_count):
        if i in new_of_old:
            anchor = new_of_old[i]
        else:
            after[anchor].append(i)
    pairs: list[tuple[int | None, int | None]] = [(i, None) for i in after[None]]
    for j in range(new_count):
        pairs.append((matched.get(j), j))
        pairs.extend((i, None) for i in after[j])
    return pairs


def _word_marks(old: Section, new: Section) -> tuple[tuple[str, str], ...]:
    """Word-level changes between two versions of a section, words as written; a replacement
    is a delete then an insert, and neighbouring marks of one kind are merged."""
    marks: list[tuple[str, list[str]]] = []
    for op, a, b in _word_ops(old, new):
        if op == "equal":
            _mark(marks, "equal", b)
        if op in ("delete", "replace"):
            _mark(marks, "delete", a)
        if op in ("insert", "replace"):
            _mark(marks, "insert", b)
    return tuple((kind, " ".join(words)) for kind, words in marks)


def _mark(marks: list[tuple[str, list[str]]], kind: str, words: list[str]) -> None:
    if marks and marks[-1][0] == kind:
        marks[-1][1].extend(words)
    elif words:
        marks.append((kind, list(words)))


def _change(old: Section | None, new: Section | None) -> SectionChange:
    if old is None:
        return SectionChange("added", None, new)
    if new is None:
        return SectionChange("removed", old, None)
    if (old.heading, old.text, old.quoted) == (new.heading, new.text, new.quoted):
        return SectionChange("unchanged" if old.number == new.number else "moved", old, new)
    return SectionChange("reworded", old, new, _word_marks(old, new))


def diff_sections(old: list[Section], new: list[Section]) -> TextDiff:
    """What happened to each section between two versions, in the new version's order.

    Sections are matched by their words, never by position or id (ids change between
    versions): the same words are "unchanged" (same number) or "moved"; otherwise the most
    similar section by heading and text (difflib ratio over words >= `SIMILAR`) is the same
    section "reworded", whatever its number now; the rest are "added" or "removed".
    """
    return TextDiff(
        tuple(
            _change(None if i is None else old[i], None if j is None else new[j])
            for i, j in _align(old, new)
        )
    )


@dataclass(frozen=True)
class TermChange:
    """A watched term that appeared in or disappeared from a section between two versions."""

    term: str  # as the subscriber wrote it
    direction: str  # "appeared" | "disappeared"
    section: Section  # where (the new section when it appeared, the old when it disappeared)
    before: str  # the sentence before ("" when the section is new)
    after: str  # the sentence after ("" when the section was removed)


# A sentence ends at . ; or : followed by a space, or at a line's end...
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+|\n+")
# ...but not at the period of an abbreviation or a number ("Sec. 10.", "12 U.S.C. 5491", "No.").
_NOT_AN_END = re.compile(
    r"(?:^|[\s(])(?:Sec|Secs|No|Nos|Stat|Pub|Mr|Mrs|Ms|Dr|Jr|St|etc|seq|v|[A-Z]|\d+"
    r"|(?:[A-Za-z]\.)+[A-Za-z])\.$"
)
# A word as written, combining accents included (they fold away, the word stays one).
_WRITTEN_WORD = re.compile(r"(?:\w|[\u0300-\u036f])+")
CONTEXT_CHARS = 300  # a sentence longer than this is clipped around the term


def split_sentences(text: str) -> list[str]:
    """`text`'s sentences as written (stripped), in order."""
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if "\n" not in end.group() and _NOT_AN_END.search(
            text, max(0, end.start() - 12), end.start()
        ):
            continue
        sentences.append(text[start : end.start()])
        start = end.end()
    sentences.append(text[start:])
    return [sentence.strip() for sentence in sentences if sentence.strip()]


def _sentences(section: Section | None) -> list[str]:
    return split_sentences("\n".join(section.lines)) if section is not None else []


@lru_cache(maxsize=1 << 16)
def _word_tokens(word: str) -> tuple[str, ...]:
    """A written word's folded tokens, remembered: folding is the costly part of term
    matching, and a bill's vocabulary is small."""
    return tuple(tokens(word))


def _folded_spans(sentence: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end in `sentence`) for each word as written."""
    return [
        (token, m.start(), m.end())
        for m in _WRITTEN_WORD.finditer(sentence)
        for token in _word_tokens(m.group())
    ]


def _find_term(term: list[str], sentence: str) -> tuple[int, int] | None:
    """Where the folded word sequence `term` is in `sentence`, on word boundaries."""
    spans = _folded_spans(sentence)
    words = [token for token, _start, _end in spans]
    for k in range(len(words) - len(term) + 1):
        if words[k : k + len(term)] == term:
            return spans[k][1], spans[k + len(term) - 1][2]
    return None


def _clip(sentence: str, start: int, end: int) -> str:
    """`sentence`, or ~CONTEXT_CHARS of it around [start, end), cut at spaces."""
    sentence = sentence.strip()
    if len(sentence) <= CONTEXT_CHARS:
        return sentence
    margin = max(0, (CONTEXT_CHARS - (end - start)) // 2)
    left, right = max(0, start - margin), min(len(sentence), end + margin)
    if left > 0:  # start after a space, not mid-word
        left = sentence.find(" ", left, start) + 1 or left
    if right < len(sentence):  # end before a space, not mid-word
        space = sentence.rfind(" ", end, right)
        right = space if space > 0 else right
    clipped = sentence[left:right].strip()
    return ("…" if left > 0 else "") + clipped + ("…" if right < len(sentence) else "")


def _holding(term: list[str], sentences: list[str]) -> str | None:
    """The first sentence holding the term, clipped around it; None when none does."""
    for sentence in sentences:
        found = _find_term(term, sentence) if _has_term(term, _folded(sentence)) else None
        if found:
            return _clip(sentence, *found)
    return None


def _folded(text: str) -> str:
    """`text` as folded words between spaces, for a quick whole-word `in` test."""
    words = (token for word in _WRITTEN_WORD.findall(text) for token in _word_tokens(word))
    return f" {' '.join(words)} "


def _has_term(term: list[str], folded: str) -> bool:
    return f" {' '.join(term)} " in folded


def _counterpart(sentence: str, sentences: list[str]) -> str:
    """The sentence among `sentences` most like `sentence` (difflib ratio over words, at least
    `SIMILAR`), clipped; "" when none is alike."""
    best, best_ratio = "", SIMILAR
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(sentence.split())
    for candidate in sentences:
        matcher.set_seq1(candidate.split())
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio or (ratio == best_ratio and not best):
            best, best_ratio = candidate.strip(), ratio
    return _clip(best, 0, 0) if best else ""


def _term_change(
    term: str, folded_term: list[str], old: Section | None, new: Section | None
) -> TermChange | None:
    old_sentences, new_sentences = _sentences(old), _sentences(new)
    in_old, in_new = _holding(folded_term, old_sentences), _holding(folded_term, new_sentences)
    if in_new is not None and in_old is None and new is not None:
        return TermChange(term, "appeared", new, _counterpart(in_new, old_sentences), in_new)
    if in_old is not None and in_new is None and old is not None:
        return TermChange(term, "disappeared", old, in_old, _counterpart(in_old, new_sentences))
    return None


def term_changes(old: list[Section], new: list[Section], terms: list[str]) -> list[TermChange]:
    """Each watched term that appeared in or disappeared from a section (quoted blocks
    included: law the bill inserts counts), in the new version's section order.

    Terms match case- and accent-insensitively on whole words (`models.text.tokens`);
    `before`/`after` are the sentences as written, the one holding the term and the most
    similar one in the other version (at least `SIMILAR` alike; "" when the section is new or
    removed or no sentence is alike).
    """
    folded_terms = [(term, tokens(term)) for term in terms if tokens(term)]
    found: list[TermChange] = []
    for i, j in _align(old, new):
        old_section = None if i is None else old[i]
        new_section = None if j is None else new[j]
        if old_section == new_section:
            continue
        in_old = _folded("\n".join(old_section.lines)) if old_section else " "
        in_new = _folded("\n".join(new_section.lines)) if new_section else " "
        for term, folded_term in folded_terms:
            # Sentences are only looked at where the term's presence changed.
            if _has_term(folded_term, in_old) != _has_term(folded_term, in_new):
                change = _term_change(term, folded_term, old_section, new_section)
                found.extend([change] if change else [])
    return found
