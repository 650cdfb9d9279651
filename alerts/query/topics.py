"""The query language's view of the thesaurus (models.thesaurus): `~term` as its equivalents,
and `topic:` as the terms a "why" looks for."""

from __future__ import annotations

import unicodedata
from functools import cache

from alerts.query.ast import Term
from models.taxonomy import topic_labels
from models.text import tokens
from models.thesaurus import LANGUAGES, Entry, load_thesaurus


def written_term(written: str, gloss: str = "") -> Term:
    """A Term from its written form (`child*`: a prefix), keeping the form for people."""
    written = unicodedata.normalize("NFC", written.strip())
    bare = written.removesuffix("*")
    return Term(tuple(tokens(bare)), written.endswith("*"), bare, gloss)


def equivalent_terms(written: str) -> tuple[Term, ...]:
    """`written` and every term of the thesaurus meaning the same, each glossed ("the French
    for online safety"); () when the thesaurus does not list it."""
    thesaurus = load_thesaurus()
    entries = thesaurus.equivalents(written)
    if not entries:
        return ()
    asked = written_term(written)
    others = (written_term(entry.term, _gloss(entry, entries[0])) for entry in entries[1:])
    return (asked, *(term for term in others if term != asked))


def _gloss(entry: Entry, asked: Entry) -> str:
    """What an equivalent is: its own gloss, or for the head term, what it is to the asked."""
    thesaurus = load_thesaurus()
    if entry.head:
        return thesaurus.gloss(entry)
    if entry.lang != asked.lang:
        return f"the {LANGUAGES[entry.lang]} for {asked.term}"
    return f"another word for {asked.term}"


@cache
def topic_terms(slug: str) -> tuple[Term, ...]:
    """A topic's terms, each glossed with the topic's label (a `topic:` match names them)."""
    label = topic_labels()[slug]
    return tuple(written_term(entry.term, label) for entry in load_thesaurus().terms_of(slug))
