"""`fivewatch query check|test` through click's CliRunner, on real bills stored in the database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from alerts.query import MAX_DEPTH
from fivewatch.cli import cli
from models.store import ensure_source, upsert_document
from tests.alerts.conftest import NOW
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

DESIGN_EXAMPLE = (
    '("child sexual abuse" OR CSAM OR "abus pédosexuel*") AND (online OR internet) -climate'
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["query", *args])


@pytest.fixture
def stored(session: Session) -> None:
    for record in (uk_bill_2818(), ca_bill_s209()):
        source = ensure_source(
            session, slug=record.source, jurisdiction=record.jurisdiction, kind="bills"
        )
        upsert_document(session, source, record, NOW)
    session.commit()


def test_check_prints_the_canonical_form_the_tree_and_the_required_terms() -> None:
    result = run("check", f'{DESIGN_EXAMPLE} title:("age verification" NEAR/5 média*)')
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        '("child sexual abuse" OR CSAM OR "abus pédosexuel*") AND (online OR internet)'
        ' AND NOT climate AND title:("age verification" NEAR/5 média*)',
        "AND",
        "  OR",
        '    PHRASE "child sexual abuse"',
        "    WORD CSAM",
        '    PREFIX "abus pédosexuel*"',
        "  OR",
        "    WORD online",
        "    WORD internet",
        "  NOT",
        "    WORD climate",
        "  IN TITLE",
        "    NEAR/5 (at most 5 words apart, either order)",
        '      PHRASE "age verification"',
        "      PREFIX média*",
        "required: abus|csam|sexual AND internet|online"
        " AND title:age AND title:verification AND title:media*",
    ]


def test_check_says_when_a_query_has_no_required_terms() -> None:
    result = run("check", "jurisdiction:uk type:bill")
    assert result.output.splitlines()[1:] == [
        "AND",
        "  FILTER jurisdiction:uk",
        "  FILTER type:bill",
        "required: nothing (a filter alone can match: checked on every document)",
    ]


@pytest.mark.parametrize("command", ["check", "test"])
def test_a_bad_query_exits_2_with_a_caret_under_the_error(command: str) -> None:
    result = run(command, '"online safety" AND (grooming')
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "invalid query:",
        '  "online safety" AND (grooming',
        "                               ^",
        "expected a closing ), found the end of the query",
    ]


def test_json_shows_each_matching_document_with_terms_and_snippet(
    stored: None, db_url: str
) -> None:
    result = run("test", '"young persons" online', "--database-url", db_url, "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["jurisdiction"], row["type"], row["reference"]) == ("ca", "bill", "S-209")
    assert row["matched_terms"] == ['"young persons"', "online"]
    assert row["snippet"].startswith("Protecting [[Young Persons]] from Exposure")
    assert "[[online]] access" in row["snippet"]


def test_filters_and_csv(stored: None, db_url: str) -> None:
    query = "bill OR loi"
    every = run("test", query, "--database-url", db_url, "--format", "csv")
    uk_only = run("test", query, "-j", "uk", "--database-url", db_url, "--format", "csv")
    references = [row["reference"] for row in csv.DictReader(io.StringIO(every.stdout))]
    assert sorted(references) == ["", "S-209"]  # the UK bill's record carries no reference
    [uk_row] = csv.DictReader(io.StringIO(uk_only.stdout))
    assert uk_row["jurisdiction"] == "uk"
    assert "[[Bill]]" in uk_row["snippet"]


def test_the_table_highlights_instead_of_printing_markers(stored: None, db_url: str) -> None:
    result = run("test", "pornographique", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert "1 stored documents match pornographique" in result.output
    assert "pornographique" in result.stdout
    assert "[[" not in result.stdout
    assert "S-209" in result.stdout


def test_nothing_stored_matches(stored: None, db_url: str) -> None:
    result = run("test", "sextortion", "--database-url", db_url, "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


# SYNTHETIC hostile queries: 200 parentheses (a 3,000-line RecursionError traceback before) and
# a terminal escape sequence.
DEEP = "(" * 200 + "online" + ")" * 200


@pytest.mark.parametrize("command", ["check", "test"])
def test_deep_nesting_is_one_error_not_a_traceback(command: str) -> None:
    result = run(command, DEEP)
    assert result.exit_code == 2
    assert not isinstance(result.exception, RecursionError)
    assert result.stderr.splitlines()[-1] == (
        f"nested too deeply: at most {MAX_DEPTH} levels of (, NOT, - and title:"
    )


def test_a_control_character_is_refused_and_never_echoed_raw() -> None:
    result = run("check", "online \x1b[2Jsafety")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert result.stderr.splitlines() == [
        "invalid query:",
        "  online \N{REPLACEMENT CHARACTER}[2Jsafety",
        "         ^",
        "a query cannot hold the control character U+001B",
    ]


@pytest.mark.parametrize(
    ("email", "query", "name", "said"),
    [
        ("reader\x00@example.org", "online", "", "not a valid email address"),
        ("reader@example.org", "online\x00", "", "control character U+0000"),
        ("reader@example.org", DEEP, "", "nested too deeply"),
        ("reader@example.org", "online", "two\nlines", "the name holds a control character"),
    ],
)
def test_subscribe_refuses_control_characters_in_one_message(
    db_url: str, email: str, query: str, name: str, said: str
) -> None:
    args = ["subscribe", email, "-q", query, "--name", name, "--database-url", db_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert said in result.output
    assert "Traceback" not in result.output
