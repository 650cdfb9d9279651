"""A bill's newest text version is searchable like its titles and summaries (migration 0009),
and a result found only in the text shows the section that matched, led by its label.

On the real H.R. 1500 (116th): its engrossed text (eh) added SEC. 17, a report on payday loan
investigations, which speaks of "a typical payday loan customer"; neither the bill's titles
and summaries nor its earlier texts say "typical" (its summary does say "payday").
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, find
from models import Document
from models.db import alembic_config, make_engine, upgrade
from models.fulltext import documents_containing_any
from tests.hr1500_texts import add_text, parsed, store_hr1500

SEC_17 = "SEC. 17. Report on payday loan and car-title loan investigations and enforcement actions"


def _found_ids(session: Session, *keys: str) -> list[int]:
    return list(session.scalars(documents_containing_any(session, keys)))


def test_the_index_reads_the_newest_text(session: Session) -> None:
    bill = store_hr1500(session, codes=2)  # introduced and reported
    assert "typical" not in f"{bill.title} {bill.summary} {bill.other_titles}".lower()
    assert _found_ids(session, "typical") == []
    add_text(session, bill, parsed("eh"))
    session.commit()
    assert _found_ids(session, "typical") == [bill.id]
    assert _found_ids(session, "nothingsuch", "typic*") == [bill.id]


def test_a_match_in_the_text_shows_the_section_that_matched(session: Session) -> None:
    store_hr1500(session)
    found = find(session, Filters(scope=Scope.ALL, query="typical", limit=10))
    assert found.total == 1
    hit = found.hits[0]
    assert hit.document.reference == "H.R. 1500"
    assert hit.snippet.startswith(f"{SEC_17}: …4) an estimate of the number of times")
    assert "a [[typical]] payday loan customer has rolled over" in hit.snippet


def test_a_match_outside_the_text_keeps_the_usual_snippet(session: Session) -> None:
    store_hr1500(session)
    hit = find(session, Filters(scope=Scope.ALL, query="payday AND typical", limit=10)).hits[0]
    assert not hit.snippet.startswith("SEC.")
    assert "[[payday]]" in hit.snippet


def test_the_text_section_with_most_hits_wins(session: Session) -> None:
    """ "Explorer" is in SEC. 1 (the table of contents) once, in SEC. 12 twice."""
    store_hr1500(session)
    hit = find(session, Filters(scope=Scope.ALL, query="explorer", limit=1)).hits[0]
    assert hit.snippet.startswith("SEC. 12. Maintaining the HMDA [[Explorer]] tool")


def test_migration_0009_reindexes_and_its_downgrade_forgets_the_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'search.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        bill_id = store_hr1500(session).id
    # Without SQLite's foreign keys: the batch downgrades rebuild tables that others reference.
    plain = create_engine(url)
    command.downgrade(alembic_config(plain), "0008")
    with Session(plain) as session:
        assert _found_ids(session, "typical") == []
        assert _found_ids(session, "consumers") == [bill_id]
    command.upgrade(alembic_config(plain), "head")
    plain.dispose()
    with Session(engine) as session:
        assert _found_ids(session, "typical") == [bill_id]
        assert session.scalar(select(Document.reference)) == "H.R. 1500"
    engine.dispose()
