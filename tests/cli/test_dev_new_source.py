"""`fivewatch dev new-source`: a new source's spider, test and cassette, written in a copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fivewatch.cli import cli
from tests.conftest import ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what a generated spider and its test need: the packages and the tests."""
    for name in ("crawlers", "models", "tests"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("golden"))
    (tmp_path / "cassettes").mkdir()
    return tmp_path


def new_source(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["dev", "new-source", *args, "--root", str(project)])
    return result.exit_code, result.output


def pytest_in(project: Path, test: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("kind", "base"), [("json", "JsonApiSpider"), ("feed", "FeedSpider")])
def test_it_writes_the_spider_its_test_and_its_cassette(
    project: Path, kind: str, base: str
) -> None:
    code, output = new_source(project, "uk-hansard-answers", "--kind", kind)
    assert code == 0, output
    spider = (project / "crawlers/spiders/uk/hansard_answers.py").read_text(encoding="utf-8")
    assert f"class UkHansardAnswersSpider({base}):" in spider
    for heading in ("Endpoint", "Docs", "Incremental", "Record", "Updates", "Licence", "History"):
        assert f"- {heading}:" in spider
    assert (project / "cassettes/uk-hansard-answers/PROVENANCE.md").is_file()
    assert (project / "cassettes/uk-hansard-answers/index.jsonl").read_text() == ""
    check = [sys.executable, "-c", "import crawlers.spiders.uk.hansard_answers"]
    assert subprocess.run(check, cwd=project, capture_output=True).returncode == 0
    # No body recorded yet: the generated test fails, by design.
    done = pytest_in(project, "tests/crawlers/test_uk_hansard_answers.py")
    assert done.returncode == 1
    assert "no real body recorded" in done.stdout


def test_it_never_overwrites_and_checks_the_slug(project: Path) -> None:
    assert new_source(project, "nz-press", "--kind", "feed")[0] == 0
    code, output = new_source(project, "nz-press", "--kind", "json")
    assert code == 1
    assert "already there, not overwritten" in output
    assert "FeedSpider" in (project / "crawlers/spiders/nz/press.py").read_text(encoding="utf-8")
    assert new_source(project, "NZ_Press", "--kind", "feed")[0] == 2
    assert new_source(project, "eu-acts", "--kind", "feed")[0] == 2  # no such jurisdiction
    assert new_source(project, "eu-acts", "--kind", "feed", "--jurisdiction", "uk")[0] == 0
    assert (project / "crawlers/spiders/uk/eu_acts.py").is_file()
