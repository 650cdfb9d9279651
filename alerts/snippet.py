"""Plain-text snippets around the best match, matched words wrapped in [[ ]]."""

from __future__ import annotations

import re

from alerts.query import Hit, MatchDocument

WIDTH = 200
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def snippet(doc: MatchDocument, hits: list[Hit], best: Hit | None, width: int = WIDTH) -> str:
    """About `width` characters of the document text around `best` (its start if None)."""
    start = 0
    if best is not None and doc.spans:
        start = _word_start(doc.text, max(0, doc.spans[best.start][0] - width // 3))
    end = _word_end(doc.text, min(len(doc.text), start + width))
    return _mark(doc.text, start, end, _char_ranges(doc, hits, start, end))


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


def _mark(text: str, start: int, end: int, marks: list[list[int]]) -> str:
    pieces: list[str] = []
    cursor = start
    for low, high in marks:
        pieces += [text[cursor:low], "[[", text[low:high], "]]"]
        cursor = high
    pieces.append(text[cursor:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + _clean("".join(pieces)) + suffix


def _clean(text: str) -> str:
    """One line: field breaks become " · ", other whitespace runs a single space."""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" · ", text.strip()))
