"""Plain-text snippets around the best match, matched words wrapped in [[ ]]."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from alerts.query import Hit, MatchDocument

WIDTH = 200
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_SECTION_BREAK = "\n\n"  # models.billtext.plain_text: a section a paragraph, its label first
_MARKED = re.compile(r"\[\[(.*?)\]\]")


def snippet(doc: MatchDocument, hits: list[Hit], best: Hit | None, width: int = WIDTH) -> str:
    """About `width` characters of the document text around `best` (its start if None)."""
    start = 0
    if best is not None and doc.spans:
        start = _word_start(doc.text, max(0, doc.spans[best.start][0] - width // 3))
    end = _word_end(doc.text, min(len(doc.text), start + width))
    return _mark(doc.text, start, end, _char_ranges(doc, hits, start, end))


def unmarked(text: str) -> str:
    """The snippet without its [[ ]] marks, for plain-text exports."""
    return _MARKED.sub(r"\1", text)


def search_snippet(
    doc: MatchDocument, hits: list[Hit], best: Hit | None, latest_text: str, width: int = WIDTH
) -> str:
    """A search hit's snippet: when every hit is in the bill's text (`latest_text`, part of
    `doc.text`), from the section holding the most of them, led by its label; else `snippet`."""
    section = _matched_section(doc, hits, latest_text)
    if section is None:
        return snippet(doc, hits, best, width)
    start, end = section
    label_end = doc.text.find("\n", start, end)
    label_end = end if label_end < 0 else label_end
    marks = _char_ranges(doc, hits, start, label_end)
    label = _mark(doc.text, start, label_end, marks, start, label_end)
    if label_end == end:  # a label alone
        return label
    return f"{label}: {_window(doc, hits, label_end + 1, end, width)}"


def _window(doc: MatchDocument, hits: list[Hit], low: int, high: int, width: int) -> str:
    """About `width` characters of doc.text[low:high] from a little before its first hit."""
    inside = [doc.spans[hit.start][0] for hit in hits if low <= doc.spans[hit.start][0] < high]
    start = _word_start(doc.text, max(low, min(inside, default=low) - width // 3))
    end = _word_end(doc.text, min(high, start + width))
    return _mark(doc.text, start, end, _char_ranges(doc, hits, start, end), low, high)


def _matched_section(
    doc: MatchDocument, hits: list[Hit], latest_text: str
) -> tuple[int, int] | None:
    """The character range, in `doc.text`, of the text section holding the most hits (the
    first of those), when every hit is inside the text; else None."""
    text = unicodedata.normalize("NFC", latest_text)  # as MatchDocument normalises its text
    offset = doc.text.find(text) if text and hits else -1
    if offset < 0:
        return None
    starts = [doc.spans[hit.start][0] for hit in hits]
    if not all(offset <= start < offset + len(text) for start in starts):
        return None
    sections = _section_starts(text, offset)
    counts = [0] * len(sections)
    for start in starts:
        counts[bisect_right(sections, start) - 1] += 1
    chosen = counts.index(max(counts))
    ends = [start - len(_SECTION_BREAK) for start in sections[1:]] + [offset + len(text)]
    return sections[chosen], ends[chosen]


def _section_starts(text: str, offset: int) -> list[int]:
    """Where each section of `text` begins, as positions in the text it starts at `offset` of."""
    starts = [offset]
    at = text.find(_SECTION_BREAK)
    while at >= 0:
        starts.append(offset + at + len(_SECTION_BREAK))
        at = text.find(_SECTION_BREAK, at + len(_SECTION_BREAK))
    return starts


def _word_start(text: str, position: int) -> int:
    """Move back to the beginning of the word `position` falls in."""
    while position > 0 and text[position - 1].isalnum():
        position -= 1
    return position


def _word_end(text: str, position: int) -> int:
    """Move back so the snippet does not end inside a word."""
    if position >= len(text) or not text[position].isalnum():
        return position
    cut = position
    while cut > 0 and text[cut - 1].isalnum():
        cut -= 1
    return cut if cut > 0 else position


def _char_ranges(doc: MatchDocument, hits: list[Hit], start: int, end: int) -> list[list[int]]:
    """Character ranges of the hits inside [start, end), overlapping ones merged."""
    ranges = sorted([doc.spans[hit.start][0], doc.spans[hit.end - 1][1]] for hit in hits)
    merged: list[list[int]] = []
    for low, high in ranges:
        if low < start or high > end:
            continue
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def _mark(
    text: str,
    start: int,
    end: int,
    marks: list[list[int]],
    bound_start: int = 0,
    bound_end: int | None = None,
) -> str:
    """text[start:end] with `marks` in [[ ]], an ellipsis where it cuts short the text it is
    from (all of `text`, or [bound_start, bound_end))."""
    pieces: list[str] = []
    cursor = start
    for low, high in marks:
        pieces += [text[cursor:low], "[[", text[low:high], "]]"]
        cursor = high
    pieces.append(text[cursor:end])
    prefix = "…" if start > bound_start else ""
    suffix = "…" if end < (len(text) if bound_end is None else bound_end) else ""
    return prefix + _clean("".join(pieces)) + suffix


def _clean(text: str) -> str:
    """One line: field breaks become " · ", other whitespace runs a single space."""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" · ", text.strip()))
