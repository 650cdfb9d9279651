"""The one check every text input passes at the edge (web forms and parameters, the CLI, the
query language, import): no NUL or other control character, no lone surrogate, a bounded
length. PostgreSQL refuses NUL in text (a 500 where a 4xx was due), SQLite keeps it and it
surfaces later in a mail header or an export; surrogates (undecodable argv bytes) cannot be
encoded for either database.
"""

from __future__ import annotations

import unicodedata

# Cc: C0 and C1 controls and DEL; Cs: lone surrogates.
_REFUSED = frozenset({"Cc", "Cs"})
# What else breaks a line or reorders it where one line is due (a name shown in lists):
# U+2028/U+2029, and the bidi embeddings, overrides and isolates ("Trojan Source").
_NOT_ONE_LINE = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bad_character(text: str, allowed: str = "\t", *, one_line: bool = False) -> int | None:
    """The index of the first control character (other than `allowed`) or lone surrogate in
    `text` (with `one_line`, also a line separator or direction control), or None."""
    for index, char in enumerate(text):
        if char in allowed:
            continue
        if unicodedata.category(char) in _REFUSED or (one_line and char in _NOT_ONE_LINE):
            return index
    return None


def describe_character(char: str) -> str:
    """`U+0000` and its name when it has one, printable whatever the character is."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{f' {name}' if name else ''}"


def checked_text(
    value: str,
    what: str,
    *,
    max_length: int | None = None,
    allowed: str = "\t",
    one_line: bool = False,
) -> str:
    """`value` unchanged, or ValueError saying what is wrong with `what` and where."""
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{what} is too long: {len(value)} characters, at most {max_length}")
    index = bad_character(value, allowed, one_line=one_line)
    if index is not None:
        raise ValueError(
            f"{what} holds a control character ({describe_character(value[index])}) at "
            f"column {index + 1}: remove it"
        )
    return value
