"""The subscriber's side of issue #20: digest times in the sign-up and manage forms, the
delivery record with its CSV / JSON export, and the preview of the next email."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.delivery_record import DELIVERY_RECORD_COLUMNS
from alerts.match import match_changes
from alerts.subscriptions import subscribe
from alerts.tokens import Purpose, make_token
from fivewatch.config import Secret
from fivewatch.web import create_app
from models import Alert, Delivery, Subscriber
from tests.web.conftest import NOW, SECRET, Corpus, web_config
from tests.web.test_subscription_pages import confirm, csrf, sign_up


def _text(page: html.HtmlElement, selector: str) -> str:
    return str(page.cssselect(selector)[0].xpath("string()"))


def _href(page: html.HtmlElement, selector: str) -> str:
    return str(page.cssselect(selector)[0].get("href"))


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


# SYNTHETIC: a subject written to attack the page (markup) and a spreadsheet (a formula).
HOSTILE = '=HYPERLINK("http://evil.example/","<script>alert(1)</script>")'
SENT = datetime(2026, 12, 3, 6, 47, tzinfo=UTC)


def _reader_with_record(session: Session) -> tuple[str, list[Delivery]]:
    """A confirmed reader's manage path, and deliveries: a digest carrying its alerts (sent),
    then a notification to a chat channel (failed)."""
    subscription = subscribe(
        session, email="reader@example.org", query="pornography", confirmed=True
    )
    session.flush()
    match_changes(session, NOW)
    alerts = list(session.scalars(select(Alert)))
    digest = Delivery(
        subscriber_id=subscription.subscriber_id, kind="daily", status="sent", subject=HOSTILE,
        created_at=SENT - timedelta(minutes=1), sent_at=SENT, alerts=alerts,
    )  # fmt: skip
    notification = Delivery(
        subscriber_id=subscription.subscriber_id, kind="alerts", channel="policy-chat",
        status="failed", subject="1 new alert", created_at=SENT + timedelta(hours=1),
    )  # fmt: skip
    session.add_all([digest, notification])
    session.commit()
    token = make_token(SECRET, Purpose.MANAGE, subscription.subscriber_id)
    return f"/manage/{token}", [notification, digest]


def test_the_manage_page_lists_every_delivery_newest_first(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    manage, (_, digest) = _reader_with_record(session)
    answer = client.get(manage)
    page = html.fromstring(answer.text)
    rows = [
        [str(cell.xpath("string()")) for cell in row.cssselect("td")]
        for row in page.cssselect("#deliveries tbody tr")
    ]
    assert rows == [
        ["2026-12-03 07:47 UTC", "1 new alert", "0", "failed", "policy-chat"],
        ["2026-12-03 06:47 UTC", HOSTILE, str(len(digest.alerts)), "sent", "email"],
    ]
    assert len(digest.alerts) == 2  # S-209 arrived, then reached a new stage
    assert page.cssselect("#deliveries script") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_the_delivery_record_downloads_as_csv_and_json_with_the_cli_columns(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    manage, (notification, digest) = _reader_with_record(session)
    page = html.fromstring(client.get(manage).text)
    csv_answer = client.get(_href(page, "#deliveries-csv"))
    json_answer = client.get(_href(page, "#deliveries-json"))
    assert csv_answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_answer.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(csv_answer.text)))
    assert tuple(lines[0]) == DELIVERY_RECORD_COLUMNS
    exported = json_answer.json()
    assert [tuple(row) for row in exported] == [DELIVERY_RECORD_COLUMNS] * 2
    assert [row["id"] for row in exported] == [notification.id, digest.id]
    assert exported[1] == {
        "id": digest.id, "when": "2026-12-03T06:47:00Z", "kind": "daily", "channel": "email",
        "subject": HOSTILE, "alerts": 2, "status": "sent", "last_error": "",
    }  # fmt: skip
    # The CSV holds the same values, but a formula is kept as text for a spreadsheet.
    assert dict(zip(lines[0], lines[2], strict=True)) == {
        **{key: str(value) for key, value in exported[1].items()},
        "subject": "'" + HOSTILE,
    }


def test_the_record_needs_the_signed_manage_link(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    manage, _ = _reader_with_record(session)
    subscriber_id = session.scalars(select(Subscriber.id)).one()
    unsubscribe = make_token(SECRET, Purpose.UNSUBSCRIBE, subscriber_id)
    assert client.get(f"/manage/{unsubscribe}/deliveries.json").status_code == 400
    assert client.get("/manage/forged/deliveries.csv").status_code == 400
    assert client.get(f"{manage}/deliveries.json").status_code == 200


def _previews(client: TestClient, manage: str) -> list[tuple[str, str, str]]:
    """Each preview on the manage page: its subject, its line, its text."""
    return _previews_in(client.get(manage).text)


def _previews_in(text: str) -> list[tuple[str, str, str]]:
    page = html.fromstring(text)
    return [
        (_text(mail, "h3"), _text(mail, "p.help"), _text(mail, "pre.preview-text"))
        for mail in page.cssselect("#next-mail article.preview")
    ]


def test_a_waiting_confirmation_is_previewed(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    subscription = subscribe(session, email="reader@example.org", query="pornography")
    session.commit()
    manage = f"/manage/{make_token(SECRET, Purpose.MANAGE, subscription.subscriber_id)}"
    ((subject, line, text),) = _previews(client, manage)
    assert subject == "Confirm your FiveWatch subscription"
    assert line == "Goes out with the next send"
    assert "/confirm/" in text
    assert session.scalars(select(Delivery)).all() == []  # a preview queues nothing


def test_the_next_daily_digest_is_previewed_at_its_slot(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    subscription = subscribe(
        session, email="reader@example.org", query="pornography", frequency="daily",
        confirmed=True, timezone="Australia/Sydney",
    )  # fmt: skip
    subscription.subscriber.digest_hour = 18
    match_changes(session, NOW)
    session.commit()
    # 16:30 in Sydney: the alerts wait for today's 18:00 (AEDT, UTC+11) digest.
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        manage = f"/manage/{make_token(SECRET, Purpose.MANAGE, subscription.subscriber_id)}"
        ((subject, line, text),) = _previews(client, manage)
    assert line == "Goes out at 2026-11-29 07:00 UTC, with 2 alerts"
    assert "S-209" in text
    assert subject
    assert session.scalars(select(Delivery)).all() == []


SECRET_HOOK = "https://discord.example/api/webhooks/1/secret-token"


def test_a_channel_notification_is_previewed_without_its_url_or_says_why_it_is_held(
    db_url: str, outbox: Path, session: Session, corpus: Corpus
) -> None:
    subscription = subscribe(
        session, email="reader@example.org", query="pornography", confirmed=True
    )
    subscription.channel, subscription.by_email = "team", False
    match_changes(session, NOW)
    session.commit()
    manage = f"/manage/{make_token(SECRET, Purpose.MANAGE, subscription.subscriber_id)}"
    team = {"team": Secret(f"discord:{SECRET_HOOK}")}
    with TestClient(create_app(replace(web_config(db_url, outbox), channels=team))) as client:
        page = client.get(manage).text
    ((subject, line, text),) = _previews_in(page)
    assert line == "Goes out with the next send, with 2 alerts, posted to discord channel team"
    payload = json.loads(text)
    assert payload["content"] == subject
    assert "Protecting Young Persons" in payload["embeds"][0]["title"]
    assert "secret-token" not in page
    with TestClient(create_app(web_config(db_url, outbox))) as client:
        page = html.fromstring(client.get(manage).text)
    assert _text(page, "#next-mail .notice") == (
        "Not posted yet, it is kept and tried again: held: channel 'team' is not configured "
        "(FIVEWATCH_CHANNEL_TEAM=<kind>:<url>)"
    )
    assert session.scalars(select(Delivery)).all() == []
