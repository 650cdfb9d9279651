"""Alerts on a bill's text versions: H.R. 1500 (116th, Consumers First Act) as GovInfo
published it, four versions parsed from the recorded BILLS XML and arriving one at a time."""

from __future__ import annotations

import json
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.deliver import queue_deliveries, send_pending
from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.subscriptions import follow, subscribe
from crawlers.spiders.us.bill_text_xml import parse_bill_text
from fivewatch.cli import cli
from fivewatch.cli.demo import add_sample_subscriptions
from models import Alert, Change, Document, Subscriber
from models.records import BILL, DocumentRecord
from models.texts import store_text
from tests.alerts.conftest import NOW, Store
from tests.conftest import ROOT

BODIES = ROOT / "cassettes" / "us-govinfo-billstatus" / "bodies"
PACKAGE_URL = (
    "https://www.govinfo.gov/content/pkg/BILLS-116hr1500{code}/xml/BILLS-116hr1500{code}.xml"
)
# Stage names and dates as BILLSTATUS gives them (they win over the XML's own).
VERSIONS = {
    "ih": ("Introduced in House", date(2019, 3, 5)),
    "rh": ("Reported in House", date(2019, 5, 10)),
    "eh": ("Engrossed in House", date(2019, 5, 22)),
    "rfs": ("Referred in Senate", date(2019, 5, 23)),
}
EMAIL = "analyst@example.org"
SEC_17 = "SEC. 17. Report on payday loan and car-title loan investigations and enforcement actions"


@pytest.fixture
def hr1500(session: Session, store: Store) -> Document:
    """The bill, stored and matched before anyone subscribes: only its texts are news."""
    document = store(
        DocumentRecord(
            source="us-govinfo-billstatus",
            external_id="116-hr-1500",
            kind=BILL,
            jurisdiction="us",
            reference="H.R. 1500",
            session="116",
            title="Consumers First Act",
            current_stage="Referred in Senate",
            url="https://www.congress.gov/bill/116th-congress/house-bill/1500",
        )
    )
    match_changes(session, NOW)
    session.commit()
    return document


def arrives(session: Session, code: str) -> list[Alert]:
    """One text version stored (models.texts, as a crawl stores it), then matched: the
    alerts it made."""
    stage, issued_on = VERSIONS[code]
    record = parse_bill_text(
        (BODIES / f"BILLS-116hr1500{code}.xml").read_bytes(),
        url=PACKAGE_URL.format(code=code),
        source="us-govinfo-billstatus",
        bill_external_id="116-hr-1500",
        stage=stage,
        issued_on=issued_on,
    )
    text = store_text(session, record, NOW).text
    session.commit()
    match_changes(session, NOW)
    session.commit()
    statement = select(Alert).join(Change).where(Change.text_id == text.id).order_by(Alert.id)
    return list(session.scalars(statement))


def reasons_per_version(session: Session) -> dict[str, list[str]]:
    return {code: [a.reason for a in arrives(session, code)] for code in VERSIONS}


def test_a_follower_gets_one_alert_per_version_naming_what_changed(
    session: Session, hr1500: Document
) -> None:
    follow(session, email=EMAIL, document=hr1500, confirmed=True)
    assert reasons_per_version(session) == {
        "ih": ["you follow H.R. 1500; first text: Introduced in House (2019-03-05), 8 sections"],
        "rh": [
            "you follow H.R. 1500; new text: Reported in House (2019-05-10): 4 sections "
            "reworded since Introduced in House (2019-03-05)"
        ],
        "eh": [
            "you follow H.R. 1500; new text: Engrossed in House (2019-05-22): 10 sections added "
            "(SEC. 8. Discretionary surplus funds, SEC. 9. Modification of the exemption from "
            "certain disclosure requirements, SEC. 10. Limitation on providing exemptions from "
            "HMDA reporting requirements, and 7 more), 1 moved, 6 reworded since Reported in "
            "House (2019-05-10)"
        ],
        "rfs": [
            "you follow H.R. 1500; new text: Referred in Senate (2019-05-23): no change to the "
            "text since Engrossed in House (2019-05-22)"
        ],
    }


def test_a_version_arriving_late_is_diffed_against_the_one_before_it_and_says_so(
    session: Session, hr1500: Document
) -> None:
    follow(session, email=EMAIL, document=hr1500, confirmed=True)
    arrives(session, "ih")
    arrives(session, "eh")
    [late] = arrives(session, "rh")
    assert late.reason == (
        "you follow H.R. 1500; new text: Reported in House (2019-05-10): 4 sections reworded "
        "since Introduced in House (2019-03-05) (arrived after Engrossed in House (eh))"
    )


def test_a_query_matching_the_new_text_alerts_like_a_new_version(
    session: Session, hr1500: Document
) -> None:
    subscribe(session, email=EMAIL, query="HMDA", confirmed=True)
    reasons = reasons_per_version(session)
    assert (reasons["ih"], reasons["rh"]) == ([], [])  # the words are not in the text yet
    [eh] = reasons["eh"]
    assert eh.startswith("new text: Engrossed in House (2019-05-22): 10 sections added")
    assert eh.endswith("since Reported in House (2019-05-10); matched HMDA in text")
    assert reasons["rfs"] == [
        "new text: Referred in Senate (2019-05-23): no change to the text since Engrossed in "
        "House (2019-05-22); matched HMDA in text"
    ]


def test_a_term_that_appears_alerts_with_its_section_versions_and_sentences(
    session: Session, hr1500: Document
) -> None:
    subscribe(session, email=EMAIL, query="HMDA", jurisdictions=["us"], text_terms=True,
              confirmed=True)  # fmt: skip
    assert arrives(session, "ih") == []
    assert arrives(session, "rh") == []
    [alert] = arrives(session, "eh")
    assert alert.reason == (
        '"HMDA" appeared in SEC. 10. Limitation on providing exemptions from HMDA reporting '
        "requirements between Reported in House and Engrossed in House"
    )
    assert alert.matched_terms == ["HMDA"]
    assert alert.snippet == (
        "before: (new section) · after: Limitation on providing exemptions from [[HMDA]] "
        "reporting requirements"
    )


def test_a_term_already_in_the_text_alerts_as_a_match_until_a_section_brings_it(
    session: Session, hr1500: Document
) -> None:
    """ "payday" is in the findings (SEC. 2) from the start: a plain match for ih and rh; in
    eh a section of its own brings it, and the alert says so."""
    subscribe(session, email=EMAIL, query="payday", text_terms=True, confirmed=True)
    [ih] = arrives(session, "ih")
    assert ih.reason.endswith("8 sections; matched payday in text")
    [rh] = arrives(session, "rh")
    assert rh.reason.endswith("4 sections reworded since Introduced in House (2019-03-05); "
                              "matched payday in text")  # fmt: skip
    [eh] = arrives(session, "eh")
    assert eh.reason == (
        f'"payday" appeared in {SEC_17} between Reported in House and Engrossed in House'
    )
    assert eh.snippet == (
        "before: (new section) · after: Report on [[payday]] loan and car-title loan "
        "investigations and enforcement actions"
    )


def test_a_term_that_disappears_alerts_with_the_sentence_as_written(
    session: Session, hr1500: Document
) -> None:
    subscribe(session, email=EMAIL, query="omnibus", text_terms=True, confirmed=True)
    [first] = arrives(session, "ih")  # in the text as introduced: a plain match
    assert first.reason.endswith("8 sections; matched omnibus in text")
    [alert] = arrives(session, "rh")
    assert alert.reason == (
        '"omnibus" disappeared in SEC. 4. Conforming amendments between Introduced in House '
        "and Reported in House"
    )
    assert alert.snippet == (
        "before: (14) The [[Omnibus]] Appropriations Act, 2009 (Public Law 111–8). · after: "
        "(no similar sentence)"
    )


def test_term_alerts_need_a_changed_term_a_matching_bill_and_the_filters(
    session: Session, hr1500: Document
) -> None:
    watching = subscribe(session, email=EMAIL, query="HMDA OR emphasis", text_terms=True,
                         confirmed=True)  # fmt: skip
    subscribe(session, email="b@example.org", query="abortion", text_terms=True, confirmed=True)
    subscribe(session, email="c@example.org", query="HMDA", jurisdictions=["uk"],
              text_terms=True, confirmed=True)  # fmt: skip
    subscribe(session, email="d@example.org", query="HMDA type:statement", text_terms=True,
              confirmed=True)  # fmt: skip
    alerts = [alert for code in VERSIONS for alert in arrives(session, code)]
    assert [(a.subscription_id, a.change.text and a.change.text.code) for a in alerts] == [
        (watching.id, "ih"),  # "emphasis" is in the findings as introduced: a plain match
        (watching.id, "rh"),
        (watching.id, "eh"),
        (watching.id, "rfs"),  # no term changed: its query matches the text as it is
    ]
    assert [a.reason.rsplit("; ", 1)[-1] for a in alerts[:2]] == ["matched emphasis in text"] * 2
    term_alert, plain = alerts[2:]
    # Several terms changed: the first in the reason (the table of contents only repeats the
    # sections' headings, so the sections come first), every one in the terms.
    assert term_alert.reason.startswith('"emphasis" disappeared in SEC. 2. Findings; sense of')
    assert term_alert.matched_terms == ["emphasis", "HMDA"]
    assert plain.reason.endswith("no change to the text since Engrossed in House (2019-05-22); "
                                 "matched HMDA in text")  # fmt: skip


def test_a_term_under_not_never_triggers(session: Session, hr1500: Document) -> None:
    nested = subscribe(session, email=EMAIL, query='HMDA OR ("advisory board" NOT payday)',
                       text_terms=True, confirmed=True)  # fmt: skip
    subscribe(session, email="b@example.org", query="surplus NOT payday", text_terms=True,
              confirmed=True)  # fmt: skip
    for code in ("ih", "rh"):
        arrives(session, code)
    [alert] = arrives(session, "eh")  # payday appears: it is only ever excluded
    assert alert.subscription_id == nested.id
    assert alert.matched_terms == ["HMDA"]


def test_the_email_shows_the_reason_and_the_sentences_before_and_after(
    session: Session, engine: Engine, hr1500: Document, tmp_path: Path
) -> None:
    subscribe(session, email=EMAIL, query="HMDA", text_terms=True, confirmed=True)
    session.commit()
    for code in ("ih", "rh", "eh"):
        arrives(session, code)
    assert queue_deliveries(session, NOW) == 1
    session.commit()
    links = Links("https://fivewatch.example.org", "test-secret")
    summary = send_pending(
        sessionmaker(engine), FileBackend(tmp_path), now=NOW, mail_from="a@fw.example", links=links
    )
    assert summary.sent == 1
    [path] = tmp_path.glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "FiveWatch: US bill, new text — Consumers First Act"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    text = " ".join(plain.get_content().split())
    assert (
        'Why: "HMDA" appeared in SEC. 10. Limitation on providing exemptions from HMDA reporting'
        " requirements between Reported in House and Engrossed in House" in text
    )
    after = "after: Limitation on providing exemptions from"
    assert f"before: (new section) · {after} *HMDA* reporting requirements" in text
    assert f'{after} <mark style="background:#fff3a3;">HMDA</mark>' in html.get_content()


def test_subscribe_with_text_terms_on_the_command_line_and_see_it_listed(db_url: str) -> None:
    def fivewatch(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, "--database-url", db_url])
        assert result.exit_code == 0, result.output
        return result.stdout

    fivewatch("subscribe", EMAIL, "-q", "payday OR HMDA", "-j", "us", "--text-terms")
    fivewatch("subscribe", EMAIL, "-q", "payday")
    listed = json.loads(fivewatch("subscriptions", "--format", "json"))
    assert [(row["query"], row["text_terms"]) for row in listed] == [
        ("payday OR HMDA", True),
        ("payday", False),
    ]


FOLLOW = "follow H.R. 1500"
TERM_WATCH = "Demo: term alert on real bill text"


def test_the_demo_follows_hr1500_and_watches_words_its_text_really_gains(
    session: Session, hr1500: Document
) -> None:
    add_sample_subscriptions(session)
    for subscriber in session.scalars(select(Subscriber)):
        subscriber.confirmed_at = NOW  # as the demo's confirm links do
    session.commit()
    alerts = [alert for code in VERSIONS for alert in arrives(session, code)]
    said = [(a.subscription.name, a.change.text and a.change.text.code) for a in alerts]
    # "payday" is in the findings from the start: the watch matches every version; its alert
    # for the engrossed text is the term alert.
    assert said == [(name, code) for code in VERSIONS for name in (FOLLOW, TERM_WATCH)]
    assert alerts[5].reason.startswith('"HMDA" appeared in SEC. 10. Limitation on providing')
