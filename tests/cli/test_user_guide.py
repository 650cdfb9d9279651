"""The user guide and the README's "Run it for real" stay true: every picture the guide shows
exists (and every committed one is shown), and every `fivewatch …` line they give parses with
the options it names (issue #21 item 6)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from alerts.query import parse as parse_query
from fivewatch.cli import cli
from models.taxonomy import topic_labels

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
IMAGES = ROOT / "docs" / "images"
PICTURE = re.compile(r"!\[[^\]]+\]\((images/[^)]+)\)")
MAX_PICTURE_BYTES = 250_000  # viewport-sized PNGs; a full-page one would be far larger


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


RUN_IT = _section(README, "Run it for real")


def guide_commands() -> list[str]:
    return re.findall(r"`(fivewatch [^`]+)`", GUIDE)


def run_it_commands() -> list[str]:
    prefix = ".venv/bin/"
    return [line.removeprefix(prefix) for line in RUN_IT.splitlines() if line.startswith(prefix)]


def words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def parse(line: str) -> click.Context:
    """Parse a command line as `fivewatch` would, down to its subcommand, running nothing."""
    name, *args = words(line)
    assert name == "fivewatch"
    command: click.Command = cli
    parent = None
    while isinstance(command, click.Group):
        parent = click.Context(command, info_name=name, parent=parent)
        name, *args = args
        found = command.get_command(parent, name)
        assert found is not None, f"{line}: no command {name!r}"
        command = found
    return command.make_context(name, args, parent=parent)


def test_the_guide_shows_pictures_and_each_exists_and_is_small() -> None:
    shown = PICTURE.findall(GUIDE)
    assert len(shown) >= 5
    for path in shown:
        picture = ROOT / "docs" / path
        assert picture.is_file(), f"docs/user-guide.md shows {path}, which is missing"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        assert picture.stat().st_size < MAX_PICTURE_BYTES, path


def test_every_committed_picture_is_shown() -> None:
    shown = {Path(path).name for path in PICTURE.findall(GUIDE)}
    assert {picture.name for picture in IMAGES.glob("*.png")} == shown


@pytest.mark.parametrize("slug", topic_labels())
def test_the_guide_lists_every_topic_with_its_label(slug: str) -> None:
    assert f"| {topic_labels()[slug]} | `topic:{slug}` |" in GUIDE


def query_examples() -> list[str]:
    """The first column of the guide's table of queries."""
    table = _section(GUIDE, "1. Writing a query").split("| you write |")[1]
    rows = [line.split(" | ")[0] for line in table.splitlines() if line.startswith("| `")]
    return [example for row in rows for example in re.findall(r"`([^`]+)`", row)]


@pytest.mark.parametrize("example", query_examples())
def test_every_query_in_the_guides_table_is_valid(example: str) -> None:
    query = parse_query(example)  # a QuerySyntaxError fails the test
    assert parse_query(str(query)).root == query.root  # and it means what it prints


def test_the_readme_says_who_it_is_for_and_links_the_guide() -> None:
    assert "**Who it is for**" in README
    assert "docs/user-guide.md" in README
    assert "docs/deploy.md" in RUN_IT


@pytest.mark.parametrize(
    "line", guide_commands() + run_it_commands(), ids=lambda line: " ".join(words(line))
)
def test_every_command_line_parses(line: str) -> None:
    context = parse(line)
    assert context.command.help, line


def test_run_it_for_real_goes_from_the_schema_to_the_scheduler() -> None:
    named = [parse(line).info_name for line in run_it_commands()]
    assert named[0] == "upgrade"
    assert named[-1] == "run"
    assert {"crawl", "subscribe", "send", "serve"} <= set(named)


def test_a_wrong_option_does_not_parse() -> None:
    with pytest.raises(click.UsageError, match="--topics"):
        parse("fivewatch subscribe you@example.org --topics csam")
