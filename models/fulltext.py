"""Full-text candidates: SQLite FTS5 and PostgreSQL tsvector behind one call.

The index only narrows: it returns ids of documents containing at least one of a query's
required index keys (folded words, `child*` prefixes), and the caller evaluates the query
exactly on those. Both indexes fold accents like models.text.fold, so no match is lost.
Schema objects live in migration 0003 (reindexed by 0004 and 0009); `ddl_statements` is the
single source of their DDL.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, select, table, text
from sqlalchemy.orm import Session

from models.documents import Document

FTS_TABLE = "documents_fts"
PG_INDEX = "ix_documents_search"
# The text a query searches, in MatchDocument's order (alerts/query/document.py).
INDEXED_COLUMNS = (
    "title", "title_alt", "other_titles", "summary", "body_text", "reference", "latest_text",
)  # fmt: skip
# What migration 0004 indexed (before a bill's newest text version, migration 0009).
INDEXED_COLUMNS_0004 = ("title", "title_alt", "other_titles", "summary", "body_text", "reference")
# What migration 0003 indexed (before other_titles, migration 0004).
INDEXED_COLUMNS_0003 = ("title", "title_alt", "summary", "body_text", "reference")
# PostgreSQL has no accent folding without the unaccent extension, which is not IMMUTABLE;
# translate() is, so the index expression can use it.
_ACCENTED = "àáâãäåāçćčèéêëēęěìíîïīłñńňòóôõöøōùúûüūůýÿžźżśšß"
_PLAIN = "aaaaaaaccceeeeeeeiiiiilnnnoooooooouuuuuuyyzzzsss"
PG_FOLD_FUNCTION = "fivewatch_fold"


def _sqlite_ddl(columns: tuple[str, ...]) -> tuple[str, ...]:
    names = ", ".join(columns)
    new = ", ".join("new." + name for name in columns)
    old = ", ".join("old." + name for name in columns)
    return (
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"{names}, content='documents', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON documents BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON documents BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {names}) VALUES "
        f"('delete', old.id, {old}); END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF {names} ON documents "
        f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {names}) VALUES "
        f"('delete', old.id, {old}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {names}) VALUES (new.id, {new}); END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    )


_SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def pg_document_vector(columns: tuple[str, ...] = INDEXED_COLUMNS) -> str:
    """The tsvector expression the GIN index holds; queries must repeat it exactly."""
    joined = " || ' ' || ".join(f"coalesce({name}, '')" for name in columns)
    return f"to_tsvector('simple'::regconfig, {PG_FOLD_FUNCTION}({joined}))"


_PG_FOLD_DDL = (
    f"CREATE FUNCTION {PG_FOLD_FUNCTION}(value text) RETURNS text LANGUAGE sql IMMUTABLE "
    # Punctuation becomes a space, as in models.text.tokens: `gov.uk` and `C-63` must index
    # their parts (the `simple` parser would keep a host name or `c-63` whole and miss them).
    f"PARALLEL SAFE AS $$ SELECT regexp_replace(translate(lower(value), '{_ACCENTED}', "
    f"'{_PLAIN}'), '[^[:alnum:]]+', ' ', 'g') $$"
)


def _pg_index_ddl(columns: tuple[str, ...]) -> str:
    return f"CREATE INDEX {PG_INDEX} ON documents USING gin (({pg_document_vector(columns)}))"


def ddl_statements(
    dialect: str, *, drop: bool = False, columns: tuple[str, ...] = INDEXED_COLUMNS
) -> tuple[str, ...]:
    """The statements that create (or drop) the full-text index over `columns` on `dialect`
    (a migration passes the columns of its own time, so an old one never names a new column)."""
    if dialect == "sqlite":
        return _SQLITE_DROP if drop else _sqlite_ddl(columns)
    if dialect == "postgresql":
        if drop:
            return (
                f"DROP INDEX IF EXISTS {PG_INDEX}",
                f"DROP FUNCTION IF EXISTS {PG_FOLD_FUNCTION}",
            )
        return (_PG_FOLD_DDL, _pg_index_ddl(columns))
    raise ValueError(f"full-text search supports sqlite and postgresql, not {dialect}")


def reindex_statements(dialect: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Rebuild the full-text index over new `columns` (the fold function stays)."""
    if dialect == "sqlite":
        return (*_SQLITE_DROP, *_sqlite_ddl(columns))
    if dialect == "postgresql":
        return (f"DROP INDEX IF EXISTS {PG_INDEX}", _pg_index_ddl(columns))
    raise ValueError(f"full-text search supports sqlite and postgresql, not {dialect}")


def is_search_object(name: str | None) -> bool:
    """FTS tables, their shadow tables and the GIN index: not in the models, by design."""
    return bool(name) and str(name).startswith((FTS_TABLE, PG_INDEX))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: compare everything except the full-text objects."""
    return not is_search_object(name)


def _clean_key(key: str) -> str:
    """An index key as plain folded word characters (with `*` kept for prefixes)."""
    prefix = key.endswith("*")
    word = "".join(ch for ch in key.rstrip("*") if ch.isalnum())
    return f"{word}*" if prefix and word else word


def _sqlite_ids(keys: list[str]) -> Select[Any]:
    terms = " OR ".join(key if key.endswith("*") else f'"{key}"' for key in keys)
    fts = table(FTS_TABLE, column("rowid"))
    return select(fts.c.rowid.label("id")).where(
        text(f"{FTS_TABLE} MATCH :terms").bindparams(terms=terms)
    )


def _pg_ids(keys: list[str]) -> Select[Any]:
    terms = " | ".join(f"{key[:-1]}:*" if key.endswith("*") else key for key in keys)
    vector: ColumnElement[Any] = literal_column(pg_document_vector())
    query = func.to_tsquery(literal_column("'simple'::regconfig"), terms)
    return select(Document.id.label("id")).where(vector.op("@@")(query))


def documents_containing_any(session: Session, keys: Collection[str]) -> Select[Any]:
    """A SELECT of the ids (column `id`) of documents containing at least one index key.

    Keys are `word` or `prefix*`, folded (models.text.fold) as alerts.query's
    `required_terms` gives them; an empty collection selects nothing. Use it as
    `Document.id.in_(...)`, or see `newest_containing_any` for a page without the full set.
    """
    cleaned = sorted({clean for key in keys if (clean := _clean_key(key))})
    if not cleaned:
        return select(Document.id).where(or_(False))
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_ids(cleaned)
    if dialect == "postgresql":
        return _pg_ids(cleaned)
    raise ValueError(f"full-text search supports sqlite and postgresql, not {dialect}")


def newest_containing_any(
    session: Session, keys: Collection[str], limit: int, before_id: int | None = None
) -> list[int]:
    """The highest `limit` ids (newest stored first) containing a key, below `before_id`.

    Walks the index in id order and stops at `limit`, so a common word costs no more than a
    rare one: page through candidates with it, then evaluate the query on those documents.
    """
    ids = documents_containing_any(session, keys).subquery()
    statement = select(ids.c.id).order_by(ids.c.id.desc()).limit(limit)
    if before_id is not None:
        statement = statement.where(ids.c.id < before_id)
    return list(session.scalars(statement))


# Relevance. A word in a title says what a document is about, so it weighs as much as ten in
# the body; the other titles and the reference (both short, both names of the document) five;
# the summary, written to describe it, two.
RANK_WEIGHTS = {"title": 10.0, "title_alt": 10.0, "other_titles": 5.0, "reference": 5.0,
                "summary": 2.0, "body_text": 1.0, "latest_text": 1.0}  # fmt: skip
# PostgreSQL ranks four weight classes, given to ts_rank in the order {D, C, B, A}: the same
# 1 : 2 : 5 : 10 as RANK_WEIGHTS.
_PG_CLASSES = {"A": ("title", "title_alt"), "B": ("other_titles", "reference"),
               "C": ("summary",), "D": ("body_text", "latest_text")}  # fmt: skip
_PG_CLASS_WEIGHTS = "'{0.1, 0.2, 0.5, 1.0}'::float4[]"


def _phrase_words(phrase: str) -> tuple[list[str], bool]:
    """A phrase's cleaned words, and whether its last word is a prefix."""
    words = [word for raw in phrase.split() if (word := _clean_key(raw.rstrip("*")))]
    return words, phrase.endswith("*")


def _sqlite_phrase(phrase: str) -> str:
    words, prefix = _phrase_words(phrase)
    return f'"{" ".join(words)}"' + (" *" if prefix else "") if words else ""


def _pg_phrase(phrase: str) -> str:
    words, prefix = _phrase_words(phrase)
    if prefix and words:
        words[-1] += ":*"
    return f"({' <-> '.join(words)})" if words else ""


def _pg_rank_vector() -> str:
    """The indexed text by weight class; computed on the candidate rows only (the GIN index
    holds pg_document_vector, unweighted, and must stay identical to it)."""
    parts = (
        f"setweight(to_tsvector('simple'::regconfig, {PG_FOLD_FUNCTION}("
        + " || ' ' || ".join(f"coalesce({name}, '')" for name in names)
        + f")), '{weight}')"
        for weight, names in _PG_CLASSES.items()
    )
    return " || ".join(parts)


def with_rank(session: Session, statement: Select[Any], phrases: Collection[str]) -> Select[Any]:
    """`statement` (a SELECT of documents) with one more column, `rank`: how well each row
    matches any of `phrases`, higher is better, 0 for a row matching none.

    A phrase is folded words separated by spaces, its last word ending in `*` for a prefix
    ("online safety", "child*"). SQLite: FTS5 bm25 with RANK_WEIGHTS; PostgreSQL: ts_rank
    over the text weighted by class. The caller orders; ties are the caller's to break.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        terms = " OR ".join(filter(None, map(_sqlite_phrase, phrases)))
        return _sqlite_ranked(statement, terms) if terms else _unranked(statement)
    if dialect == "postgresql":
        terms = " | ".join(filter(None, map(_pg_phrase, phrases)))
        return _pg_ranked(statement, terms) if terms else _unranked(statement)
    raise ValueError(f"full-text search supports sqlite and postgresql, not {dialect}")


def _unranked(statement: Select[Any]) -> Select[Any]:
    return statement.add_columns(literal_column("0.0").label("rank"))


def _sqlite_ranked(statement: Select[Any], terms: str) -> Select[Any]:
    weights = ", ".join(str(RANK_WEIGHTS[name]) for name in INDEXED_COLUMNS)
    fts = table(FTS_TABLE, column("rowid"))
    scores = (
        select(
            fts.c.rowid.label("id"),
            # bm25() is lower for a better match: negated so that higher is better.
            literal_column(f"-bm25({FTS_TABLE}, {weights})").label("score"),
        )
        .where(text(f"{FTS_TABLE} MATCH :rank_terms").bindparams(rank_terms=terms))
        .subquery()
    )
    rank = func.coalesce(scores.c.score, 0.0).label("rank")
    return statement.outerjoin(scores, scores.c.id == Document.id).add_columns(rank)


def _pg_ranked(statement: Select[Any], terms: str) -> Select[Any]:
    query = func.to_tsquery(literal_column("'simple'::regconfig"), terms)
    rank = func.ts_rank(literal_column(_PG_CLASS_WEIGHTS), literal_column(_pg_rank_vector()), query)
    return statement.add_columns(rank.label("rank"))
