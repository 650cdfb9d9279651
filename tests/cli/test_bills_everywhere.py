"""Bills from every jurisdiction with a recorded body read alike through `search` and `history`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_end_to_end import CASSETTES, fivewatch

BILL_SOURCES = ("uk-bills", "ca-legisinfo-bills")
ONE_BILL = {  # jurisdiction: (reference people use, title, oldest recorded event's stage)
    # Only the first of H.R. 1's four actions pages was recorded: its 20 newest actions.
    "us": ("H.R. 1", "For the People Act of 2021", "POSTPONED PROCEEDINGS"),
    "uk": ("2818", "Abolition of Business Rates Bill", "1st reading"),
    "ca": ("C-63", "An Act to enact the Online Harms Act", "First reading"),
}


@pytest.fixture
def bills_db(db_url: str, tmp_path: Path) -> str:
    fivewatch("crawl", "--replay", str(CASSETTES), *BILL_SOURCES, db_url=db_url, cwd=tmp_path)
    # H.R. 1's detail and actions are recorded, but it is not on the recorded list page: ask
    # for it by name, as `-a bills=` does for a bill people track.
    fivewatch(
        "crawl",
        "--replay",
        str(CASSETTES),
        "-a",
        "bills=117/hr/1",
        "us-congress-bills",
        db_url=db_url,
        cwd=tmp_path,
    )
    return db_url


@pytest.mark.parametrize("jurisdiction", sorted(ONE_BILL))
def test_search_lists_the_bills_and_history_reads_one_of_each(
    bills_db: str, tmp_path: Path, jurisdiction: str
) -> None:
    out = fivewatch(
        "search",
        "type:bill",
        "--all",
        "--jurisdiction",
        jurisdiction,
        "--format",
        "json",
        "--limit",
        "500",
        db_url=bills_db,
        cwd=tmp_path,
    ).stdout
    rows = json.loads(out)
    assert rows
    assert {(row["jurisdiction"], row["type"]) for row in rows} == {(jurisdiction, "bill")}
    reference, title, first_stage = ONE_BILL[jurisdiction]
    history = fivewatch(
        "history",
        reference,
        "--jurisdiction",
        jurisdiction,
        "--format",
        "json",
        db_url=bills_db,
        cwd=tmp_path,
    ).stdout
    [bill] = json.loads(history)
    assert bill["title"].startswith(title)
    assert bill["events"][0]["stage"].startswith(first_stage)
    dates = [event["date"] for event in bill["events"]]
    assert all(dates)
    assert dates == sorted(dates)  # in order, oldest first


def test_history_finds_a_bill_by_a_title_prefix_and_says_it_lapsed(
    bills_db: str, tmp_path: Path
) -> None:
    out = fivewatch("history", "an act to enact the online harms", db_url=bills_db, cwd=tmp_path)
    header, table = out.stdout.split("┏", 1)  # the heading, then its table: both the answer
    assert "C-63 (44-1)" in header
    assert "status: Lapsed — session 44-1 prorogued 2025-01-06" in header
    assert "Deuxième lecture" in table  # the French stage names, beside the English


def test_history_lists_the_candidates_of_an_ambiguous_title(bills_db: str, tmp_path: Path) -> None:
    out = fivewatch("history", "An Act", db_url=bills_db, cwd=tmp_path, check=False)
    assert out.returncode != 0
    assert "names" in out.stderr
    assert "C-63 (44-1, ca)" in out.stderr


def test_search_shows_a_bills_status_session_and_stage_date(bills_db: str, tmp_path: Path) -> None:
    out = fivewatch("search", "number:C-63", "--format", "json", db_url=bills_db, cwd=tmp_path)
    [row] = json.loads(out.stdout)
    assert row["session"] == "44-1"
    assert row["outcome"] == "lapsed"
    assert row["status"].startswith("Lapsed — ")
    assert row["date"] > row["introduced"]  # the stage's day, not the introduction's
