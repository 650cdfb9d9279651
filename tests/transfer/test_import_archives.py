"""`fivewatch import` refuses a malformed or oversized archive in one line, before unpacking
anything, and leaves what is stored alone even with --force (issue #15: item 13, the size cap).

Every archive here is SYNTHETIC: built by the test from a real export of the `db_url` database.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawlers.process import sync_sources
from fivewatch.cli import cli
from fivewatch.transfer import ARCHIVE_ROOT
from models import Source

MIB = 1024**2


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def sources_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Source)) or 0


@pytest.fixture
def good(db_url: str, engine: Engine, tmp_path: Path) -> Path:
    """A real export of `db_url` once it holds the sources (which a refused import must keep)."""
    with Session(engine) as session:
        sync_sources(session)
        session.commit()
    archive = tmp_path / "good.tar.gz"
    assert invoke("export", str(archive), "--database-url", db_url).exit_code == 0
    return archive


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as opened:
        return {m.name: opened.extractfile(m).read() for m in opened if m.isfile()}  # type: ignore[union-attr]


def pack(target: Path, files: dict[str, bytes]) -> None:
    with tarfile.open(target, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def changed(**replacements: bytes | None) -> Callable[[Path, Path], None]:
    """An archive like the good one with members replaced (None: removed)."""

    def build(good: Path, target: Path) -> None:
        files = members(good)
        for name, data in replacements.items():
            path = f"{ARCHIVE_ROOT}/{name.replace('_', '.')}"
            files.pop(path)
            if data is not None:
                files[path] = data
        pack(target, files)

    return build


def raw(make: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    """An archive made of the good one's bytes."""

    def build(good: Path, target: Path) -> None:
        target.write_bytes(make(good.read_bytes()))

    return build


MALFORMED = {
    "not a tar": (raw(lambda _: b"SYNTHETIC: not an archive"), "not a readable export archive"),
    "truncated gzip": (raw(lambda data: data[: len(data) // 2]), "not a readable export archive"),
    "gzip of no tar": (raw(lambda _: gzip.compress(b"x" * 1000)), "not a readable export"),
    "no manifest": (changed(manifest_json=None), "no manifest.json"),
    "manifest not JSON": (changed(manifest_json=b"{SYNTHETIC"), "manifest.json: Expecting"),
    "manifest a list": (changed(manifest_json=b"[1, 2]"), "format [1, 2] is not supported"),
    "manifest without counts": (
        changed(manifest_json=json.dumps({"format": 1, "schema_revision": "x"}).encode()),
        "lacks a schema_revision or table counts",
    ),
    "a row not an object": (changed(sources_jsonl=b"[1, 2]\n"), "sources.jsonl line 1"),
    "a table not UTF-8": (changed(sources_jsonl=b'{"slug": "\xff"}\n'), "not UTF-8 text"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_archive_is_one_line_and_changes_nothing(
    case: str, good: Path, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    build, expected = MALFORMED[case]
    archive = tmp_path / "synthetic.tar.gz"
    build(good, archive)
    before = sources_stored(engine)
    result = invoke("import", str(archive), "--force", "--database-url", db_url)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert sources_stored(engine) == before > 0  # --force would have replaced them


def test_a_gzip_bomb_is_refused_before_anything_is_unpacked(
    good: Path, db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SYNTHETIC gzip bomb: 4 MiB of zeros beside the real export, a few kB compressed.
    bomb = tmp_path / "bomb.tar.gz"
    pack(bomb, {**members(good), f"{ARCHIVE_ROOT}/zeros.bin": bytes(4 * MIB)})
    assert bomb.stat().st_size < 64 * 1024
    unpacked: list[object] = []
    monkeypatch.setattr("fivewatch.transfer.tempfile.TemporaryDirectory", unpacked.append)
    before = sources_stored(engine)
    result = invoke("import", str(bomb), "--force", "--max-size", "1M", "--database-url", db_url)
    assert result.exit_code == 1, result.output
    assert f"unpacks to more than {MIB} bytes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert unpacked == []  # no scratch folder was even made
    assert sources_stored(engine) == before > 0


def test_an_archive_of_too_many_files_is_refused(
    good: Path, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    # SYNTHETIC: the real export plus 50 empty files, over a cap lowered to 20.
    crowded = tmp_path / "crowded.tar.gz"
    pack(crowded, {**members(good), **{f"{ARCHIVE_ROOT}/{n}.txt": b"" for n in range(50)}})
    result = invoke(
        "import", str(crowded), "--force", "--max-files", "20", "--database-url", db_url
    )
    assert result.exit_code == 1, result.output
    assert "20 files: refused" in result.stderr


def test_the_real_export_still_imports_within_the_default_limits(
    good: Path, db_url: str, engine: Engine
) -> None:
    before = sources_stored(engine)
    result = invoke("import", str(good), "--force", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert sources_stored(engine) == before


def test_sizes_take_binary_units() -> None:
    from fivewatch.cli.transfer_commands import ByteSize

    assert [ByteSize().convert(text, None, None) for text in ("512", "1K", "2g", "3MiB")] == [
        512,
        1024,
        2 * 1024**3,
        3 * MIB,
    ]
