"""Text folding shared by storage, search and alerts, so all three agree on what a word is."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
# Typographic apostrophes and dashes that official sources mix with the ASCII ones.
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "–": "-", "—": "-", "‐": "-"})


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes: `Sécurité` and `securite` fold alike."""
    # NFKD first (compatibility letters such as 𝕬 or ᴬ become plain ones), then casefold, then
    # NFKD again (casefolding can produce new decomposable characters): idempotent by design.
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    folded = unicodedata.normalize("NFKD", decomposed.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_TRANSLATE)


def tokens(text: str) -> list[str]:
    """Folded word tokens; punctuation (hyphens, apostrophes, dots) separates words."""
    return _WORD.findall(fold(text).replace("_", " "))


def reference_key(reference: str) -> str:
    """`C-63`, `c63`, `S. 1748`, `H.R. 1`, `HL Bill 12` -> a compact key for look-ups."""
    return "".join(tokens(reference))
