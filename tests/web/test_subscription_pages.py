"""Subscribe (double opt-in), confirm, manage, one-click unsubscribe, Atom feeds."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import feedparser
import time_machine
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.backends.file import FileBackend
from alerts.match import match_changes
from alerts.subscriptions import subscribe
from alerts.tokens import Purpose, make_token
from fivewatch.mailer import deliver
from models import Delivery, Subscriber, Subscription, utcnow
from tests.web.conftest import NOW, SECRET, Corpus, web_config

CONFIRM_LINK = re.compile(r"http://localhost:8000(/confirm/\S+)")


def csrf(client: TestClient, path: str = "/subscribe") -> str:
    page = html.fromstring(client.get(path).text)
    token: str = page.cssselect("input[name=csrf_token]")[0].get("value")
    return token


def sign_up(client: TestClient, **fields: str | list[str]) -> str:
    response = client.post("/subscribe", data={"csrf_token": csrf(client), **fields})
    assert response.status_code == 200, response.text
    return response.text


def read_email(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def confirm_path(outbox: Path) -> str:
    (message_file,) = sorted(outbox.glob("*.eml"))
    body = plain_text(read_email(message_file))
    found = CONFIRM_LINK.search(body)
    assert found, body
    return found.group(1)


def confirm(client: TestClient, outbox: Path) -> str:
    """Open the emailed link, press Confirm; returns the manage page path."""
    path = confirm_path(outbox)
    page = html.fromstring(client.get(path).text)
    token = page.cssselect("input[name=csrf_token]")[0].get("value")
    answer = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["location"]


def test_sign_up_sends_one_confirm_email_and_waits(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(
        client,
        email="Reader@Example.org",
        query='"online access" OR pornography',
        jurisdiction=["ca"],
        frequency="daily",
    )
    subscription = session.scalars(select(Subscription)).one()
    assert subscription.active is False
    assert subscription.subscriber.confirmed_at is None
    assert subscription.jurisdictions == ["ca"]
    assert subscription.frequency == "daily"
    delivery = session.scalars(select(Delivery)).one()
    assert (delivery.kind, delivery.status, delivery.provider) == ("confirmation", "sent", "file")
    (path,) = outbox.glob("*.eml")
    message = read_email(path)
    assert message["To"] == "reader@example.org"
    assert message["Subject"] == delivery.subject == "Confirm your FiveWatch subscription"
    assert message["Date"], "sent like every outbox email"
    assert message["Message-ID"]


def test_a_web_confirmation_is_the_one_the_cli_sends(
    client: TestClient, outbox: Path, session: Session, db_url: str
) -> None:
    """One template set: a web sign-up and a `fivewatch subscribe` + `send` get the same email
    (but for the address and the signed link)."""
    sign_up(client, email="web@example.org", query="rates")
    subscribe(session, email="cli@example.org", query="rates")
    session.commit()
    sessions = sessionmaker(session.get_bind())
    deliver(web_config(db_url, outbox), FileBackend(outbox), sessions)
    session.expire_all()
    deliveries = session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert [(d.kind, d.status) for d in deliveries] == [("confirmation", "sent")] * 2
    web, cli = (read_email(path) for path in sorted(outbox.glob("*.eml")))
    assert web["Subject"] == cli["Subject"] == "Confirm your FiveWatch subscription"
    for message in (web, cli):
        assert message["Date"]
        assert message["Message-ID"]
        assert message.get_body(("html",)) is not None
    assert _unsigned(plain_text(web)) == _unsigned(plain_text(cli))


def _unsigned(text: str) -> str:
    return re.sub(r"/confirm/\S+", "/confirm/TOKEN", text)


def test_signing_up_again_after_unsubscribing_sends_a_confirmation(
    client: TestClient, outbox: Path, session: Session
) -> None:
    sign_up(client, email="reader@example.org", query="rates")
    subscriber = session.scalars(select(Subscriber)).one()
    subscriber.unsubscribe(utcnow())
    session.commit()
    sign_up(client, email="reader@example.org", query="pornography")
    session.expire_all()
    statuses = session.scalars(select(Delivery.status).order_by(Delivery.id)).all()
    assert statuses == ["sent", "sent"]


def test_confirm_manage_edit_pause_delete_unsubscribe(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="pornography")
    path = confirm_path(outbox)
    client.get(path)
    assert session.scalars(select(Subscription)).one().active is False  # a GET confirms nothing
    manage = confirm(client, outbox)
    session.expire_all()
    subscription = session.scalars(select(Subscription)).one()
    assert subscription.active
    assert subscription.subscriber.confirmed_at is not None

    page = html.fromstring(client.get(manage).text)
    form = page.cssselect(f"#subscription-{subscription.id} form")[0]
    action, token = form.get("action"), form.cssselect("input[name=csrf_token]")[0].get("value")
    edit = {
        "csrf_token": token,
        "query": "grooming OR sextortion",
        "frequency": "weekly",
        "type": ["bill"],
    }
    assert client.post(action, data={**edit, "action": "save"}).status_code == 200
    session.expire_all()
    assert (subscription.query, subscription.frequency, subscription.doc_types) == (
        "grooming OR sextortion",
        "weekly",
        ["bill"],
    )
    bad = client.post(action, data={**edit, "query": "(grooming", "action": "save"})
    assert bad.status_code == 400
    client.post(action, data={**edit, "action": "pause"})
    session.expire_all()
    assert subscription.active is False
    client.post(action, data={**edit, "action": "resume"})
    session.expire_all()
    assert subscription.active is True

    unsubscribe = html.fromstring(client.get(manage).text).get_element_by_id("unsubscribe-link")
    client.get(unsubscribe.get("href"))
    session.expire_all()
    assert subscription.subscriber.unsubscribed_at is None  # a GET unsubscribes nobody
    client.post(action, data={**edit, "action": "delete"})
    session.expire_all()
    assert session.scalars(select(Subscription)).all() == []


def test_one_click_post_needs_no_csrf_only_the_signed_token(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    subscriber = Subscriber(email="reader@example.org")
    session.add(subscriber)
    session.commit()
    token = make_token(SECRET, Purpose.UNSUBSCRIBE, subscriber.id)
    fresh = TestClient(client.app)  # no cookie, as a mail provider's one-click POST
    answer = fresh.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    session.expire_all()
    assert subscriber.unsubscribed_at is not None
    manage = make_token(SECRET, Purpose.MANAGE, subscriber.id)
    assert fresh.post(f"/unsubscribe/{manage}").status_code == 400  # wrong purpose
    assert fresh.post("/unsubscribe/forged").status_code == 400


def test_same_answer_whether_the_address_is_known(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    known = Subscriber(email="known@example.org", confirmed_at=NOW)
    session.add(known)
    session.commit()
    first = sign_up(client, email="known@example.org", query="pornography")
    second = sign_up(client, email="stranger@example.org", query="pornography")
    assert first == second
    session.expire_all()
    assert all(not sub.active for sub in session.scalars(select(Subscription)))


def test_bad_query_and_bad_email_are_shown_on_the_form(client: TestClient, corpus: Corpus) -> None:
    response = client.post(
        "/subscribe",
        data={"csrf_token": csrf(client), "email": "a@example.org", "query": 'x AND "y'},
    )
    assert response.status_code == 400
    assert "^" in html.fromstring(response.text).cssselect("pre.caret")[0].text_content()
    response = client.post(
        "/subscribe", data={"csrf_token": csrf(client), "email": "not-an-address", "query": "x"}
    )
    assert response.status_code == 400
    assert "not a valid email address" in response.text


def test_follow_this_bill(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    token = csrf(client, f"/bills/{corpus.ca.id}")
    client.post(
        "/subscribe",
        data={"csrf_token": token, "email": "f@example.org", "follow_id": str(corpus.ca.id)},
    )
    assert session.scalars(select(Subscription)).one().active is False
    confirm(client, outbox)
    session.expire_all()
    subscription = session.scalars(select(Subscription)).one()
    assert subscription.followed_document_id == corpus.ca.id
    assert subscription.active


def test_atom_feed_lists_the_subscriptions_alerts(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="pornography")
    manage = confirm(client, outbox)
    session.expire_all()
    match_changes(session, NOW)
    session.commit()
    feed_link = html.fromstring(client.get(manage).text).cssselect('a[href$=".atom"]')[0]
    answer = client.get(feed_link.get("href"))
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo
    # S-209 arrived, then reached a new stage: two alerts, newest first.
    title = "S-209: Protecting Young Persons from Exposure to Pornography Act"
    assert [entry.title for entry in feed.entries] == [title, title]
    assert feed.entries[0].id != feed.entries[1].id
    assert all(e.link.endswith(f"/documents/{corpus.ca.id}") for e in feed.entries)
    assert client.get("/feeds/forged.atom").status_code == 404


def test_a_title_xml_cannot_carry_still_makes_a_readable_feed(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    # SYNTHETIC: control characters a careless source left in a title (VT, SOH, ESC; not NUL,
    # which PostgreSQL cannot store).
    corpus.ca.title = "Protecting\x0bYoung\x01Persons from Exposure to\x1b Pornography Act"
    session.commit()
    sign_up(client, email="reader@example.org", query="pornography")
    manage = confirm(client, outbox)
    session.expire_all()
    match_changes(session, NOW)
    session.commit()
    feed = feedparser.parse(client.get(feed_path(client, manage)).content)
    assert not feed.bozo, feed.get("bozo_exception")
    title = "S-209: Protecting\ufffdYoung\ufffdPersons from Exposure to\ufffd Pornography Act"
    assert [entry.title for entry in feed.entries] == [title, title]


def feed_path(client: TestClient, manage: str) -> str:
    link = html.fromstring(client.get(manage).text).cssselect('a[href$=".atom"]')[0]
    return str(link.get("href"))


def test_unsubscribing_revokes_feed_links_for_good(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="pornography")
    manage = confirm(client, outbox)
    old_feed = feed_path(client, manage)
    assert client.get(old_feed).status_code == 200
    subscription = session.scalars(select(Subscription)).one()
    unsubscribe = make_token(SECRET, Purpose.UNSUBSCRIBE, subscription.subscriber_id)
    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    assert client.get(old_feed).status_code == 410
    assert client.get(feed_path(client, manage)).status_code == 410  # nor one made since
    # Subscribing again gives new feed links; the one made before stays dead.
    again = confirm(client, outbox)
    assert client.get(old_feed).status_code == 410
    assert client.get(feed_path(client, again)).status_code == 200


def test_feed_links_expire(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="pornography")
    feed = feed_path(client, confirm(client, outbox))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=366)):
        answer = client.get(feed)
    assert answer.status_code == 410
    assert "expired" in answer.text
