"""`fivewatch diff` through click's CliRunner, on H.R. 1500's real text versions, stored by the
store the crawler uses (models.texts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from fivewatch.cli import cli
from fivewatch.cli.diff import WIDTH, rich_words
from models.texts import store_text
from tests.hr1500_texts import VERSIONS, parsed, store_bill

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def store_versions(session: Session, count: int = len(VERSIONS)) -> None:
    store_bill(session)
    for code, issued_on in VERSIONS[:count]:
        store_text(session, parsed(code, issued_on), NOW)
    session.commit()


@pytest.fixture
def db(db_url: str, session: Session) -> str:
    store_versions(session)
    return db_url


def diff(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "H.R. 1500", *args, "--database-url", db_url])


def test_without_versions_the_two_newest_are_compared(db: str) -> None:
    result = diff(db)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "H.R. 1500: eh (Engrossed in House, 2019-05-22) -> rfs (Referred in Senate,",
        "2019-05-23)",
        "no change to the text",  # the Senate received the text the House passed
    ]


def test_a_reworded_section_shows_its_words_marked_within_80_columns(db: str) -> None:
    result = diff(db, "ih", "rh")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == "4 sections reworded"
    assert "reworded: SEC. 4. Conforming amendments" in lines
    assert (
        "Conforming amendments (a) In general.—The Acts [+and provisions+] described"
        in (lines[lines.index("reworded: SEC. 4. Conforming amendments") + 1])
    )
    assert "[-(14) The Omnibus Appropriations Act, 2009 (Public Law 111–8).-]" in result.output
    assert max(len(line) for line in lines) <= WIDTH


def test_versions_are_named_by_code_or_stage(db: str) -> None:
    result = diff(db, "Reported in House", "engrossed in house")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].startswith(
        "10 sections added (SEC. 8. Discretionary surplus funds, SEC. 9. Modification of"
    )
    assert "added: SEC. 14. Debt collection" in result.output


def test_json_gives_the_diff(db: str) -> None:
    result = diff(db, "rh", "eh", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert (found["from"]["code"], found["to"]["code"]) == ("rh", "eh")
    assert found["summary"].startswith("10 sections added")
    kinds = [change["kind"] for change in found["changes"]]
    assert (kinds.count("added"), kinds.count("moved"), kinds.count("reworded")) == (10, 1, 6)
    added = next(change for change in found["changes"] if change["kind"] == "added")
    assert (added["old"], added["new"]["number"]) == (None, "8")


def test_list_shows_every_version_in_order(db: str) -> None:
    result = diff(db, "--list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(row["sequence"], row["code"], row["issued_on"]) for row in rows] == [
        (n, code, str(day)) for n, (code, day) in enumerate(VERSIONS, start=1)
    ]


def test_a_bill_with_one_version_lists_it(db_url: str, session: Session) -> None:
    store_versions(session, count=1)
    result = diff(db_url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("H.R. 1500: 1 text version(s)\n")
    assert "Introduced in House" in result.output


def test_an_unknown_version_is_one_line_naming_the_versions(db: str) -> None:
    result = diff(db, "ih", "enr")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: H.R. 1500 has no version 'enr'; its versions: ih (Introduced in House,"
        " 2019-03-05), rh (Reported in House, 2019-05-10), eh (Engrossed in House,"
        " 2019-05-22), rfs (Referred in Senate, 2019-05-23)"
    ]


def test_on_a_terminal_inserts_are_green_and_deletions_struck_red() -> None:
    text = rich_words((("equal", "The Acts"), ("insert", "and provisions"), ("delete", "(10)")))
    assert text.plain == "  The Acts and provisions (10)"
    styles = {text.plain[span.start : span.end].strip(): str(span.style) for span in text.spans}
    assert styles == {"and provisions": "green", "(10)": "red strike"}
