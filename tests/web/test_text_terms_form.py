"""The term-alert checkbox: signing up with it, and seeing and changing it on the manage page."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subscription
from tests.web.conftest import Corpus
from tests.web.test_subscription_pages import confirm, sign_up

LABEL = "Also tell me when these words appear in or disappear from a bill's text"


def test_the_sign_up_form_offers_term_alerts_unchecked(client: TestClient, corpus: Corpus) -> None:
    text = client.get("/subscribe").text
    [box] = html.fromstring(text).cssselect("input[name=text_terms]")
    assert box.get("checked") is None
    assert f"> {LABEL}</label>" in text


def test_term_alerts_are_kept_shown_and_switched_off_on_the_manage_page(
    client: TestClient, outbox: Path, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="reader@example.org", query="payday OR HMDA", text_terms="true")
    manage = confirm(client, outbox)
    subscription = session.scalars(select(Subscription)).one()
    assert subscription.text_terms is True

    form = html.fromstring(client.get(manage).text).cssselect(
        f"#subscription-{subscription.id} form"
    )[0]
    assert form.cssselect("input[name=text_terms]")[0].get("checked") is not None
    action, token = form.get("action"), form.cssselect("input[name=csrf_token]")[0].get("value")
    unticked = {"csrf_token": token, "query": "payday OR HMDA", "action": "save"}
    assert client.post(action, data=unticked).status_code == 200
    session.expire_all()
    assert subscription.text_terms is False
