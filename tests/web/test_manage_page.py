"""The subscriber's side of issue #20: digest times in the sign-up and manage forms, the
delivery record with its CSV / JSON export, and the preview of the next email."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subscriber
from tests.web.conftest import Corpus
from tests.web.test_subscription_pages import confirm, csrf, sign_up


def _text(page: html.HtmlElement, selector: str) -> str:
    return str(page.cssselect(selector)[0].xpath("string()"))


def _selected(page: html.HtmlElement, name: str) -> str:
    return str(page.cssselect(f"select[name={name}] option[selected]")[0].get("value"))


def test_sign_up_stores_the_time_zone_hour_and_weekday(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    form = html.fromstring(client.get("/subscribe").text)
    assert form.cssselect("input[name=timezone]")[0].get("value") == ""  # the browser fills it
    assert (_selected(form, "digest_hour"), _selected(form, "digest_weekday")) == ("7", "0")
    sign_up(
        client,
        email="reader@example.org",
        query="pornography",
        frequency="weekly",
        timezone="Australia/Sydney",
        digest_hour="18",
        digest_weekday="4",
    )
    subscriber = session.scalars(select(Subscriber)).one()
    assert (subscriber.timezone, subscriber.digest_hour, subscriber.digest_weekday) == (
        "Australia/Sydney",
        18,
        4,
    )
    page = html.fromstring(client.get(confirm(client, outbox)).text)
    assert _text(page, ".rhythm") == ("Weekly digest on Friday at 18:00 Australia/Sydney")
    assert page.cssselect("#digest-times input[name=timezone]")[0].get("value") == (
        "Australia/Sydney"
    )
    assert _selected(page, "digest_hour") == "18"


def test_an_unknown_time_zone_is_a_form_error_and_stores_nothing(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    answer = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf(client),
            "email": "reader@example.org",
            "query": "pornography",
            "timezone": "Mars/Olympus_Mons",
        },
    )
    assert answer.status_code == 400
    page = html.fromstring(answer.text)
    error = _text(page, "[role=alert]")
    assert "unknown time zone 'Mars/Olympus_Mons'" in error
    assert page.cssselect("input[name=timezone]")[0].get("value") == "Mars/Olympus_Mons"
    assert session.scalars(select(Subscriber)).all() == []


def test_a_sign_up_changes_no_confirmed_readers_times(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    """Anyone can type an address into the form: only the manage page changes its times."""
    sign_up(client, email="reader@example.org", query="rates", timezone="Europe/London")
    confirm(client, outbox)
    sign_up(client, email="reader@example.org", query="pornography", timezone="Asia/Tokyo")
    session.expire_all()
    assert session.scalars(select(Subscriber.timezone)).one() == "Europe/London"


def _save_times(client: TestClient, manage: str, **fields: str) -> tuple[int, str]:
    page = html.fromstring(client.get(manage).text)
    form = page.cssselect("#digest-times form")[0]
    token = form.cssselect("input[name=csrf_token]")[0].get("value")
    answer = client.post(form.get("action"), data={"csrf_token": token, **fields})
    return answer.status_code, answer.text


def test_the_manage_page_changes_the_digest_times(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="pornography", frequency="daily")
    manage = confirm(client, outbox)
    status, text = _save_times(client, manage, timezone="America/Toronto", digest_hour="6")
    assert status == 200
    assert _text(html.fromstring(text), ".rhythm") == ("Daily digest at 06:00 America/Toronto")
    status, text = _save_times(client, manage, timezone="Europe/Londres", digest_hour="9")
    assert status == 400
    page = html.fromstring(text)
    assert "unknown time zone 'Europe/Londres'" in _text(page, "#digest-times")
    assert page.cssselect("#digest-times input[name=timezone]")[0].get("value") == "Europe/Londres"
    session.expire_all()
    subscriber = session.scalars(select(Subscriber)).one()
    assert (subscriber.timezone, subscriber.digest_hour) == ("America/Toronto", 6)
    assert _save_times(client, manage, timezone="UTC", digest_hour="24")[0] == 422
