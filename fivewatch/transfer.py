"""Export and import the whole collection: one JSON-lines file per table, plus documents.csv.

The export is for backups, for analysts, and for moving between SQLite and PostgreSQL. Import
keeps every id (alerts, deliveries and links point at them), so it needs an empty database at
the export's schema revision; on PostgreSQL the id sequences are then moved past the imported
rows, or the next insert would collide.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import tarfile
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Engine, ForeignKey, Table, func, select, text

from alerts.subscriptions import normalise_email
from fivewatch.error_lines import FiveWatchError
from models import Base, Document, Source, Subscriber
from models.inputs import describe_character

EXPORT_FORMAT = 1
MANIFEST = "manifest.json"
DOCUMENTS_CSV = "documents.csv"
ARCHIVE_SUFFIX = ".tar.gz"
ARCHIVE_ROOT = "fivewatch-export"
INSERT_BATCH = 500
# What an import unpacks at most: a whole collection is far below; a gzip bomb is not.
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_ARCHIVE_MEMBERS = 100_000
# What no database here can store: PostgreSQL refuses NUL in text, UTF-8 cannot carry a lone
# surrogate (a JSON "\ud800" escape decodes to one). Older SQLite databases may hold either.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")
# documents.csv: what an analyst opens in a spreadsheet (the .jsonl files have everything).
CSV_COLUMNS = {
    "id": Document.id,
    "source": Source.slug,
    "jurisdiction": Document.jurisdiction,
    "type": Document.kind,
    "reference": Document.reference,
    "title": Document.title,
    "session": Document.session,
    "published_on": Document.published_on,
    "current_stage": Document.current_stage,
    "status": Document.status,
    "sponsor": Document.sponsor,
    "topics": Document.topics,
    "url": Document.url,
    "first_seen_at": Document.first_seen_at,
    "last_seen_at": Document.last_seen_at,
}


Warn = Callable[[str], None]
# Told (table, rows done, rows in all) after each batch of a table and when it is done.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1000  # rows written between two reports


def _quiet(table: str, done: int, total: int) -> None:
    """No one listening: the default progress."""


class TransferError(FiveWatchError):
    """An export or import that cannot go ahead; nothing in the target database was changed."""


@dataclass(frozen=True)
class RowProblem:
    """A row import left out, or kept with a link to a left-out row emptied, and why."""

    member: str  # the export's file: subscribers.jsonl
    line: int
    table: str
    key: str  # the row's primary key: "id 7"
    cause: str
    kept: bool = False  # True: kept, its link set to NULL as the schema's ON DELETE SET NULL does

    def __str__(self) -> str:
        done = "kept" if self.kept else "skipped"
        return f"{self.member} line {self.line}: {done} {self.table} row {self.key}: {self.cause}"


@dataclass(frozen=True)
class ImportReport:
    """What an import read, per table, and every row it skipped or changed."""

    read: dict[str, int]  # lines per table, as the manifest counts them
    problems: list[RowProblem] = field(default_factory=list)

    def skipped(self) -> Counter[str]:
        """Rows left out, per table."""
        return Counter(problem.table for problem in self.problems if not problem.kept)

    def stored(self) -> dict[str, int]:
        skipped = self.skipped()
        return {name: count - skipped[name] for name, count in self.read.items()}


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may unpack to: bytes in all, and members."""

    max_bytes: int = MAX_ARCHIVE_BYTES
    max_members: int = MAX_ARCHIVE_MEMBERS


def tables() -> list[Table]:
    """Every table of the schema, parents before children (the order inserts need)."""
    return list(Base.metadata.sorted_tables)


def schema_revision(conn: Connection) -> str | None:
    revision: str | None = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return revision


def _encode(value: object) -> str:
    """JSON for what json cannot write itself: timestamps keep their zone (always UTC here)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__} {value!r}")


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    statement = select(table).order_by(*table.primary_key.columns)
    for row in conn.execution_options(yield_per=1000).execute(statement):
        yield dict(row._mapping)


def _json_line(row: dict[str, Any]) -> str:
    """The row as one JSON line. A lone surrogate (a SQLite JSON column can hold one) is
    written as its \\u escape: raw, the UTF-8 file could not take it."""
    line = json.dumps(row, ensure_ascii=False, default=_encode)
    return SURROGATE.sub(lambda found: f"\\u{ord(found[0]):04x}", line) + "\n"


def _write_table(
    conn: Connection, table: Table, path: Path, warn: Warn | None, progress: Progress
) -> int:
    total = conn.scalar(select(func.count()).select_from(table)) or 0
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for count, row in enumerate(_rows(conn, table), start=1):
            out.write(_json_line(row))
            if warn is not None and (cause := _refusal(table, row)):
                warn(f"{path.name} line {count}: {table.name} row {_key(table, row)}: {cause}")
            if count % PROGRESS_EVERY == 0:
                progress(table.name, count, total)
    progress(table.name, count, count)
    return count


def _csv_cell(value: object) -> object:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value.isoformat() if isinstance(value, datetime | date) else value


def _write_documents_csv(conn: Connection, path: Path) -> None:
    statement = (
        select(*CSV_COLUMNS.values())
        .join(Source, Source.id == Document.source_id)
        .order_by(Document.id)
    )
    # A lone surrogate (from a SQLite JSON column) is written as "\ud800": UTF-8 has no form.
    with path.open("w", encoding="utf-8", errors="backslashreplace", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in conn.execution_options(yield_per=1000).execute(statement):
            writer.writerow([_csv_cell(value) for value in row])


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent view of every table while they are read one after another."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if engine.dialect.name == "sqlite":
            # pysqlite starts no transaction for SELECTs: without BEGIN each table is read
            # at its own moment, and a crawl committing meanwhile would split the export.
            conn.exec_driver_sql("BEGIN")
        yield conn


def export_folder(
    engine: Engine, folder: Path, *, warn: Warn | None = None, progress: Progress = _quiet
) -> dict[str, int]:
    """Write every table to `folder` (created; must not hold an export) and return row counts.
    Every row is written as stored; `warn` hears of each that import will skip, `progress`
    of the rows written so far, table by table."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MANIFEST).exists():
        raise TransferError(f"{folder} already holds an export: choose a new folder")
    with _snapshot(engine) as conn:
        counts = {
            t.name: _write_table(conn, t, folder / f"{t.name}.jsonl", warn, progress)
            for t in tables()
        }
        _write_documents_csv(conn, folder / DOCUMENTS_CSV)
        manifest = {
            "format": EXPORT_FORMAT,
            "schema_revision": schema_revision(conn),
            "exported_at": datetime.now(UTC).isoformat(),
            "dialect": engine.dialect.name,
            "tables": counts,
        }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def export_collection(
    engine: Engine, target: Path, *, warn: Warn | None = None, progress: Progress = _quiet
) -> dict[str, int]:
    """Export to a folder, or to one `.tar.gz` file when the target's name ends so."""
    if not target.name.endswith(ARCHIVE_SUFFIX):
        return export_folder(engine, target, warn=warn, progress=progress)
    if target.exists():
        raise TransferError(f"{target} already exists: choose a new file name")
    with tempfile.TemporaryDirectory() as scratch:
        counts = export_folder(engine, Path(scratch) / ARCHIVE_ROOT, warn=warn, progress=progress)
        with tarfile.open(target, "w:gz") as archive:
            archive.add(Path(scratch) / ARCHIVE_ROOT, arcname=ARCHIVE_ROOT)
    return counts


def _decoders(table: Table) -> dict[str, type[date] | type[datetime]]:
    """Columns whose JSON text must become a date or a datetime again."""
    decoders: dict[str, type[date] | type[datetime]] = {}
    for column in table.columns:
        column_type = getattr(column.type, "impl", column.type)
        if isinstance(column_type, DateTime):
            decoders[column.name] = datetime
        elif isinstance(column_type, Date):
            decoders[column.name] = date
    return decoders


def _read_rows(path: Path, table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row of `path` with its line number."""
    decoders = _decoders(table)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row: dict[str, Any] = json.loads(line)
                if not isinstance(row, dict):
                    raise TypeError(f"a row is a JSON object, not {type(row).__name__}")
                for name, kind in decoders.items():
                    if row.get(name) is not None:
                        row[name] = kind.fromisoformat(row[name])
            except (ValueError, TypeError) as exc:
                raise TransferError(f"{path.name} line {number}: {exc}") from exc
            yield number, row


def _insert_table(
    conn: Connection, table: Table, path: Path, screen: _Screen, progress: Progress, total: int
) -> int:
    """Insert the rows of `path` that `screen` lets through; return how many lines were read.
    `progress` hears of the lines read after each batch, of `total` (the manifest's count)."""
    if not path.is_file():
        raise TransferError(f"the export has no {path.name}: it is incomplete")
    rows = _read_rows(path, table)
    read = 0
    try:
        while batch := list(islice(rows, INSERT_BATCH)):
            kept = [row for number, row in batch if screen.passes(table, path.name, number, row)]
            if kept:
                conn.execute(table.insert(), kept)
            read += len(batch)
            progress(table.name, read, total)
    except UnicodeDecodeError as exc:  # raised by the file, between lines
        raise TransferError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    progress(table.name, read, read)
    return read


def _key(table: Table, row: dict[str, Any]) -> str:
    """The row's primary key as the report shows it: `id 7`, `name 'uk-bills'`."""
    return ", ".join(f"{column.name} {row.get(column.name)!r}" for column in table.primary_key)


def _unstorable(value: object) -> str | None:
    """The first character of `value` (text, or text within JSON) no database here stores."""
    if isinstance(value, str):
        found = UNSTORABLE.search(value)
        return describe_character(found[0]) if found else None
    if isinstance(value, dict):
        value = [*value, *value.values()]
    if isinstance(value, list):
        return next(filter(None, map(_unstorable, value)), None)
    return None


def _refusal(table: Table, row: dict[str, Any]) -> str | None:
    """Why import skips this row by itself, or None: an address the sign-up check refuses
    (it would go into a To: header), or text PostgreSQL or UTF-8 cannot hold."""
    if table.name == Subscriber.__tablename__:
        try:
            normalise_email(str(row.get("email")))
        except ValueError as exc:
            return str(exc)
    for name, value in row.items():
        if character := _unstorable(value):
            return f"{name} holds {character}"
    return None


class _Screen:
    """Decides row by row, parents first, what import stores: neither a refused row nor a row
    that refers to one (as ON DELETE CASCADE would go); a link whose foreign key says ON DELETE
    SET NULL is emptied instead, and its row kept."""

    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self._referenced = {(fk.column.table.name, fk.column.name) for fk in _foreign_keys()}
        self._skipped: defaultdict[tuple[str, str], set[object]] = defaultdict(set)

    def passes(self, table: Table, member: str, line: int, row: dict[str, Any]) -> bool:
        report = partial(RowProblem, member, line, table.name, _key(table, row))
        dangling = [fk for fk in table.foreign_keys if self._refers_to_skipped(fk, row)]
        emptied = [fk for fk in dangling if fk.ondelete == "SET NULL" and fk.parent.nullable]
        cause = _refusal(table, row) or "; ".join(
            _link(fk, row) for fk in dangling if fk not in emptied
        )
        if cause:
            self.problems.append(report(cause))
            self._remember(table, row)
            return False
        for fk in emptied:
            self.problems.append(report(f"{_link(fk, row)}: set to NULL", kept=True))
            row[fk.parent.name] = None
        return True

    def _refers_to_skipped(self, fk: ForeignKey, row: dict[str, Any]) -> bool:
        value = row.get(fk.parent.name)
        return value is not None and value in self._skipped[fk.column.table.name, fk.column.name]

    def _remember(self, table: Table, row: dict[str, Any]) -> None:
        """Keep what other rows may refer to of a skipped row (its id, in this schema)."""
        for column in table.columns:
            if (table.name, column.name) in self._referenced:
                self._skipped[table.name, column.name].add(row.get(column.name))


def _foreign_keys() -> Iterator[ForeignKey]:
    return (fk for table in tables() for fk in table.foreign_keys)


def _link(fk: ForeignKey, row: dict[str, Any]) -> str:
    name = fk.parent.name
    return f"its {name} {row.get(name)!r} is a skipped {fk.column.table.name} row"


def _populated(conn: Connection) -> list[str]:
    return [t.name for t in tables() if conn.scalar(select(func.count()).select_from(t))]


def _clear(conn: Connection) -> None:
    for table in reversed(tables()):
        conn.execute(table.delete())


def _reset_sequences(conn: Connection) -> None:
    """Point each PostgreSQL id sequence past the imported ids (ids were given explicitly)."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].type.python_type is not int:
            continue  # a natural key (checkpoints.name) has no sequence
        name = key[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
                f'coalesce(max("{name}"), 1), max("{name}") IS NOT NULL) FROM "{table.name}"'
            )
        )


def _read_manifest(folder: Path, label: str) -> dict[str, Any]:
    """The export's manifest, checked for what import reads; `label` names the export."""
    path = folder / MANIFEST
    if not path.is_file():
        raise TransferError(f"{label} is not a FiveWatch export: no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # UnicodeDecodeError too
        raise TransferError(f"{label}: {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise TransferError(f"{label}: export format {found!r} is not supported")
    revision, counts = manifest.get("schema_revision"), manifest.get("tables")
    if not isinstance(revision, str | None) or not _is_counts(counts):
        raise TransferError(f"{label}: {MANIFEST} lacks a schema_revision or table counts")
    return manifest


def _is_counts(value: object) -> bool:
    """`{"table": rows, …}`, as export writes it."""
    return isinstance(value, dict) and all(
        isinstance(count, int) and not isinstance(count, bool) for count in value.values()
    )


def _check_target(conn: Connection, manifest: dict[str, Any], force: bool) -> None:
    revision = schema_revision(conn)
    if revision != manifest["schema_revision"]:
        raise TransferError(
            f"the export is at schema revision {manifest['schema_revision']}, the database at "
            f"{revision}: run `fivewatch db upgrade` on both sides first"
        )
    populated = _populated(conn)
    if populated and not force:
        raise TransferError(
            f"the database is not empty ({', '.join(populated)}): import into an empty "
            "database, or pass --force to replace its contents"
        )


def import_folder(
    engine: Engine,
    folder: Path,
    *,
    force: bool = False,
    label: str = "",
    progress: Progress = _quiet,
) -> ImportReport:
    """Load an export into the database in one transaction; `force` replaces what is there.
    Rows no database should hold, and rows that refer to them, are skipped and reported.
    `label` names the export in errors (the folder's own path by default); `progress` hears
    of the rows read so far, table by table."""
    manifest = _read_manifest(folder, label or str(folder))
    screen = _Screen()
    with engine.begin() as conn:
        _check_target(conn, manifest, force)
        _clear(conn)
        listed = manifest["tables"]
        read = {
            t.name: _insert_table(
                conn, t, folder / f"{t.name}.jsonl", screen, progress, listed.get(t.name, 0)
            )
            for t in tables()
        }
        if read != listed:  # every line read, stored or skipped
            raise TransferError(f"read {read}, but the manifest lists {listed}")
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn)
    return ImportReport(read, screen.problems)


def import_collection(
    engine: Engine,
    source: Path,
    *,
    force: bool = False,
    limits: ArchiveLimits = ArchiveLimits(),  # frozen: one shared default is safe
    progress: Progress = _quiet,
) -> ImportReport:
    """Import from an export folder or from its `.tar.gz` (unpacked within `limits`)."""
    if not source.exists():
        raise TransferError(f"{source} does not exist")
    if source.is_dir():
        return import_folder(engine, source, force=force, progress=progress)
    try:
        with tarfile.open(source, "r:gz") as archive:
            _check_size(archive, source, limits)  # before anything is written
            with tempfile.TemporaryDirectory() as scratch:
                archive.extractall(scratch, filter="data")
                folder = Path(scratch) / ARCHIVE_ROOT
                return import_folder(
                    engine, folder, force=force, label=str(source), progress=progress
                )
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise TransferError(f"{source}: not a readable export archive ({exc})") from exc


def _check_size(archive: tarfile.TarFile, source: Path, limits: ArchiveLimits) -> None:
    """Refuse an archive that would unpack past `limits` (a gzip bomb: kilobytes that inflate
    to gigabytes). Headers give each member's size, and extraction writes exactly that."""
    total = 0
    for count, member in enumerate(archive, start=1):
        total += member.size
        if count > limits.max_members or total > limits.max_bytes:
            raise TransferError(
                f"{source}: unpacks to more than {limits.max_bytes} bytes or "
                f"{limits.max_members} files: refused (see --max-size, --max-files)"
            )
