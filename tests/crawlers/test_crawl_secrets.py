"""Child crawls learn the database URL from their environment, never from argv: `ps` shows every
process's argv to every user of the machine, password included (issue #15, item 9)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from crawlers import process
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
SLUGS = ["ca-gc-news", "nz-beehive"]
# SYNTHETIC: a password no deployment uses, to be looked for wherever the URL could leak.
MARKER = "SYNTHETIC-PASSWORD-3f9c1e"


@pytest.fixture
def marked_url(db_url: str, tmp_path: Path) -> str:
    """`db_url` with MARKER in it: PostgreSQL's password (trust auth ignores it), SQLite's path."""
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":
        return url.set(password=MARKER).render_as_string(hide_password=False)
    marked = tmp_path / MARKER / "fivewatch.db"
    marked.parent.mkdir()
    shutil.copyfile(str(url.database), marked)
    return f"sqlite:///{marked}"


def test_the_database_url_reaches_child_crawls_by_environment_not_argv(
    marked_url: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[list[str], dict[str, str]]] = []
    popen = subprocess.Popen

    def recording(args: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        started.append((list(args), dict(kwargs.get("env") or {})))
        return popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording)  # how crawlers.process starts children
    run_ids = process.run_crawl(SLUGS, database_url=marked_url, replay_dir=CASSETTES, jobs=2)
    assert len(run_ids) == len(SLUGS)  # the children found the database through the environment
    assert len(started) == 2
    for argv, env in started:
        assert not [word for word in argv if MARKER in word]
        assert env[process.DATABASE_URL_ENV] == marked_url
    logs = capfd.readouterr().err  # the children log at INFO, Scrapy's settings included
    assert "Overridden settings" in logs
    assert MARKER not in logs
