"""`fivewatch diff`: what changed between two text versions of a bill, section by section."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from fivewatch.cli.analysts import bill_heading
from fivewatch.cli.common import database_option, emit, load_config, resolve_one, session_scope
from fivewatch.error_lines import FiveWatchError
from models import BillText, Document
from models.billtext import (
    SectionChange,
    TextDiff,
    diff_sections,
    sections_from_json,
    sections_to_json,
)
from models.vocabulary import JURISDICTIONS

WIDTH = 80
VERSION_COLUMNS = ("sequence", "code", "stage", "issued_on", "note")
# Word marks: rich styles on a terminal, bracket markers in a pipe or a file.
STYLES = {"insert": "green", "delete": "red strike"}
MARKERS = {"insert": ("[+", "+]"), "delete": ("[-", "-]")}
CONTEXT_WORDS = 8  # unchanged words shown either side of a change in a reworded section


class UnknownVersion(FiveWatchError):
    exit_code = 2


def version_name(text: BillText) -> str:
    return f"{text.code} ({text.stage}, {text.issued_on})" if text.stage else text.code


def pick(texts: list[BillText], wanted: str, bill: str) -> BillText:
    """The version a code or stage names (the newest in order, for a re-issued code)."""
    found = [t for t in texts if wanted.casefold() in (t.code.casefold(), t.stage.casefold())]
    if not found:
        versions = ", ".join(version_name(text) for text in texts)
        raise UnknownVersion(f"{bill} has no version {wanted!r}; its versions: {versions}")
    return found[-1]


def version_rows(texts: list[BillText]) -> list[dict[str, Any]]:
    return [{name: getattr(text, name) for name in VERSION_COLUMNS} for text in texts]


def marks(change: SectionChange) -> tuple[tuple[str, str], ...]:
    """The change's words: a reworded section's own marks, a whole added or removed one."""
    if change.kind == "reworded":
        return condensed(change.words)
    if change.kind == "added" and change.new is not None:
        return (("insert", "\n".join(change.new.lines)),)
    if change.kind == "removed" and change.old is not None:
        return (("delete", "\n".join(change.old.lines)),)
    return ()


def condensed(words: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Long unchanged runs cut to CONTEXT_WORDS around the changes ("…" for the rest)."""
    kept = []
    for index, (op, text) in enumerate(words):
        said = text.split()
        if op == "equal" and len(said) > 2 * CONTEXT_WORDS + 1:
            before = [] if index == 0 else said[:CONTEXT_WORDS]
            after = [] if index == len(words) - 1 else said[-CONTEXT_WORDS:]
            text = " ".join([*before, "…", *after])
        kept.append((op, text))
    return tuple(kept)


def heading(change: SectionChange) -> str:
    """`reworded: SEC. 4. Title (was SEC. 3)`: what happened, to which section."""
    section = change.new or change.old
    assert section is not None
    line = f"{change.kind}: {section.label}"
    if change.old and change.new and change.old.number != change.new.number:
        line += f" (was SEC. {change.old.number})" if change.old.number else " (was unnumbered)"
    return line


def plain_words(words: tuple[tuple[str, str], ...]) -> str:
    """`[+inserted+]` and `[-deleted-]` words, wrapped to WIDTH, paragraphs kept."""
    said = " ".join(
        text if op == "equal" else f"{MARKERS[op][0]}{text}{MARKERS[op][1]}" for op, text in words
    )
    return "\n".join(
        textwrap.fill(line, WIDTH, initial_indent="  ", subsequent_indent="  ")
        for line in said.splitlines()
    )


def rich_words(words: tuple[tuple[str, str], ...]) -> Text:
    said = Text("  ")
    for index, (op, text) in enumerate(words):
        said.append(("" if index == 0 else " ") + text, style=STYLES.get(op, ""))
    return said


def changed(diff: TextDiff) -> Iterator[SectionChange]:
    return (change for change in diff.changes if change.kind != "unchanged")


def print_diff(diff: TextDiff, title: str) -> None:
    """The sentence, then each changed section, styled on a terminal and marked in a pipe."""
    if not sys.stdout.isatty():
        click.echo(textwrap.fill(title, WIDTH))
        click.echo(textwrap.fill(diff.sentence(), WIDTH))
        for change in changed(diff):
            click.echo("\n" + textwrap.fill(heading(change), WIDTH, subsequent_indent="  "))
            if words := marks(change):
                click.echo(plain_words(words))
        return
    console = Console(width=min(WIDTH, Console().width), highlight=False)
    console.print(Text(title, style="bold"))
    console.print(Text(diff.sentence()))
    for change in changed(diff):
        console.print(Text("\n" + heading(change), style="bold"))
        if words := marks(change):
            console.print(rich_words(words))


def side(text: BillText) -> dict[str, Any]:
    return {"code": text.code, "stage": text.stage, "issued_on": str(text.issued_on or "")}


def diff_json(old: BillText, new: BillText, diff: TextDiff) -> dict[str, Any]:
    def section(change: SectionChange, which: str) -> dict[str, Any] | None:
        found = getattr(change, which)
        return None if found is None else sections_to_json([found])[0]

    return {
        "from": side(old),
        "to": side(new),
        "summary": diff.sentence(),
        "changes": [
            {
                "kind": change.kind,
                "old": section(change, "old"),
                "new": section(change, "new"),
                "words": [list(mark) for mark in change.words],
            }
            for change in changed(diff)
        ],
    }


def compared(texts: list[BillText], versions: tuple[str, ...], bill: str) -> tuple[BillText, ...]:
    """FROM and TO as named, else the two newest versions."""
    if not versions:
        return texts[-2], texts[-1]
    if len(versions) != 2:
        raise click.UsageError("give both FROM and TO, or neither (the two newest versions)")
    return tuple(pick(texts, wanted, bill) for wanted in versions)


@click.command("diff")
@click.argument("reference")
@click.argument("versions", nargs=-1, metavar="[FROM TO]")
@click.option("--jurisdiction", "-j", type=click.Choice(JURISDICTIONS), default=None)
@click.option("--list", "list_versions", is_flag=True, help="List the bill's text versions.")
@click.option("--json", "as_json", is_flag=True, help="The diff (or the list) as JSON.")
@database_option
def diff_command(
    reference: str,
    versions: tuple[str, ...],
    jurisdiction: str | None,
    list_versions: bool,
    as_json: bool,
    database_url: str | None,
) -> None:
    """What changed between two text versions of a bill (REFERENCE: H.R. 1500, hr1500, #id).

    FROM and TO are version codes (ih, rh, eh...) or stage names ("Reported in House");
    without them, the two newest versions are compared.
    """
    with session_scope(load_config(database_url)) as session:
        document: Document = resolve_one(session, reference, jurisdiction)
        texts = list(document.texts)
        bill = document.reference or bill_heading(document)
        if list_versions or len(texts) < 2:
            if not as_json:
                click.echo(f"{bill}: {len(texts)} text version(s)")
            emit(version_rows(texts), VERSION_COLUMNS, "json" if as_json else "table")
            return
        old, new = compared(texts, versions, bill)
        diff = diff_sections(sections_from_json(old.sections), sections_from_json(new.sections))
        if as_json:
            click.echo(json.dumps(diff_json(old, new, diff), ensure_ascii=False, indent=2))
            return
        print_diff(diff, f"{bill}: {version_name(old)} -> {version_name(new)}")
