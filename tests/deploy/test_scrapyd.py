"""The Scrapy project deployed to a real Scrapyd: egg built, uploaded, a spider run on replay.

Scrapyd runs on loopback with its own config and folders; the spider gets the database and the
project's cassettes as `-s` settings through schedule.json, as a production deploy would.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import CrawlRun, Document, Source
from models.db import make_engine, upgrade
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"
SPIDER = "ca-legisinfo-bills"
DEADLINE_S = 90
PROJECT_FILES = ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md")
PACKAGES = ("crawlers", "models", "alerts", "fivewatch")
IGNORED = shutil.ignore_patterns("__pycache__")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def api(base: str, endpoint: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (no fields) or POST a form to Scrapyd's JSON API; a non-ok answer fails the test."""
    data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=data, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
    assert answer.get("status") == "ok", answer
    return answer


def upload_egg(base: str, egg: Path, project: str, version: str) -> dict[str, Any]:
    boundary = "fivewatch-egg-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("project", project), ("version", version))
    ]
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + egg.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/addversion.json",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
    assert answer.get("status") == "ok", answer
    return answer


@pytest.fixture(scope="module")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The egg exactly as `scrapyd-deploy` builds it, from a copy of the project (the build
    writes build/ and *.egg-info beside scrapy.cfg, which must not touch the checkout)."""
    project = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, project / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, project / package, ignore=IGNORED)
    path = project / "fivewatch.egg"
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    subprocess.run(
        [str(deploy), "--build-egg", str(path)],
        cwd=project,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A real Scrapyd on a random loopback port, its folders under tmp_path; always stopped."""
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\n"
        f"dbs_dir = {tmp_path / 'dbs'}\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.2\n",
        encoding="utf-8",
    )
    log = (tmp_path / "scrapyd.out").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        assert server.poll() is None, "scrapyd exited at start"
        try:
            api(base, "daemonstatus.json")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("scrapyd did not answer within 10 s")


def wait_for_job(base: str, job: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        finished = api(base, "listjobs.json?project=fivewatch")["finished"]
        if any(entry["id"] == job for entry in finished):
            return
        time.sleep(0.5)
    raise AssertionError(f"job {job} not finished within {DEADLINE_S} s")


def test_the_egg_carries_the_packages_spiders_import_and_the_settings_entry_point(
    egg: Path,
) -> None:
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert {
        "crawlers/settings.py",
        "models/store.py",
        "models/topics.toml",
        "models/thesaurus.toml",
    } <= names
    assert "settings = crawlers.settings" in entry_points


def test_a_spider_runs_through_scrapyd_on_replay_and_stores_its_bills(
    egg: Path, scrapyd: str, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'fivewatch.db'}"
    engine = make_engine(database)
    upgrade(engine)
    assert upload_egg(scrapyd, egg, "fivewatch", "r1")["spiders"] > 1
    assert SPIDER in api(scrapyd, "listspiders.json?project=fivewatch")["spiders"]
    settings = [f"FIVEWATCH_DATABASE_URL={database}", f"FIVEWATCH_REPLAY_DIR={CASSETTES}"]
    job = api(
        scrapyd, "schedule.json", {"project": "fivewatch", "spider": SPIDER, "setting": settings}
    )["jobid"]
    wait_for_job(scrapyd, job)
    log = next((tmp_path / "logs").rglob(f"{job}.log")).read_text(encoding="utf-8")
    with engine.connect() as conn:
        references = set(
            conn.scalars(select(Document.reference).join(Source).where(Source.slug == SPIDER))
        )
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert {"C-63", "S-209"} <= references, log[-3000:]
    assert run is not None
    assert run.status == "ok", run.errors
    assert run.replay_misses == 0  # no robots.txt asked for: the replay settings took effect
