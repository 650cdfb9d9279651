"""Text folding shared by storage, search and alerts, so all three agree on what a word is."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_WORD = re.compile(r"\w+", re.UNICODE)
# Typographic apostrophes and dashes that official sources mix with the ASCII ones.
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "–": "-", "—": "-", "‐": "-"})


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes: `Sécurité` and `securite` fold alike."""
    # NFKD first (compatibility letters such as 𝕬 or ᴬ become plain ones), then casefold, then
    # NFKD again (casefolding can produce new decomposable characters): idempotent by design.
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    folded = unicodedata.normalize("NFKD", decomposed.casefold())
    if folded.isascii():  # nothing to strip: skips a per-character loop on most English text
        return folded
    return _without_combining_marks(folded).translate(_TRANSLATE)


def _marks_class() -> re.Pattern[str]:
    """Every combining mark of the Basic Multilingual Plane (ASCII has none), as one class."""
    marks = (chr(code) for code in range(0x80, 0x10000) if unicodedata.combining(chr(code)))
    return re.compile(f"[{''.join(map(re.escape, marks))}]")


_BMP_MARKS = _marks_class()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _without_combining_marks(text: str) -> str:
    """`text` less its combining marks: one regex pass, not a Python loop per character."""
    text = _BMP_MARKS.sub("", text)
    if _ASTRAL.search(text):  # rare: marks beyond the BMP, checked one by one
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text


def tokens(text: str) -> list[str]:
    """Folded word tokens; punctuation (hyphens, apostrophes, dots) separates words."""
    return _WORD.findall(fold(text).replace("_", " "))


def reference_key(reference: str) -> str:
    """`C-63`, `c63`, `S. 1748`, `H.R. 1`, `HL Bill 12` -> a compact key for look-ups."""
    return "".join(tokens(reference))


# The one URL allow-list (web pages, alert emails, sanitised statement bodies): only these
# schemes are ever written into an href.
LINK_SCHEMES = frozenset({"http", "https"})


def safe_link(url: str) -> str:
    """`url` when it is an http(s) link with a host, else "": never `javascript:`, `data:`.

    Surrounding whitespace is trimmed; any other whitespace or control character refuses the
    link, since browsers drop tabs and newlines inside a URL (`java\\tscript:` runs) and a
    blank or control character is no part of a real link. An inner space is encoded.
    """
    candidate = url.strip().replace(" ", "%20")
    if any(ch.isspace() or unicodedata.category(ch) in _NOT_IN_LINKS for ch in candidate):
        return ""
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, a bad port
        return ""
    return candidate if parts.scheme.lower() in LINK_SCHEMES and host else ""


# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned code
# points, and line/paragraph separators.
_NOT_IN_LINKS = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


# XML 1.0 allows no C0 control but tab, LF and CR, no lone surrogate and not U+FFFE/U+FFFF: one
# such character in a title makes a whole Atom feed unreadable.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with the characters XML 1.0 cannot carry replaced by U+FFFD (shown, not hidden)."""
    return _NOT_IN_XML.sub("\ufffd", text)
