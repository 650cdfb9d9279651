"""Every text input is checked at the edge: a NUL, another control character or nesting past
the query language's limit is a clear 4xx on SQLite and on PostgreSQL (which refuses NUL in
text: a 500 before), and nothing of it is stored.

All hostile values here are SYNTHETIC (made up for the tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.query import MAX_DEPTH
from models import Subscriber, Subscription
from tests.web.conftest import Corpus
from tests.web.test_subscription_pages import confirm, csrf, sign_up

NUL = "\x00"
DEEP = "(" * 200 + "online" + ")" * 200  # SYNTHETIC: raised RecursionError (a 500) before
SEARCHES = ["/search", "/api/search", "/search/export.csv", "/search/export.json"]
SEARCH_PARAMETERS = {
    "q": f"online{NUL}safety",
    "stage": f"passed{NUL}",
    "topic": f"{NUL}grooming",
    "since": f"2024-01-01{NUL}",
    "until": NUL,
    "jurisdiction": f"uk{NUL}",
    "type": f"bill{NUL}",
}


def stored(session: Session, model: type[Subscriber] | type[Subscription]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("path", SEARCHES)
@pytest.mark.parametrize("parameter", SEARCH_PARAMETERS)
def test_a_nul_in_any_search_parameter_is_a_4xx(
    client: TestClient, corpus: Corpus, path: str, parameter: str
) -> None:
    response = client.get(path, params={parameter: SEARCH_PARAMETERS[parameter]})
    assert response.status_code in (400, 422), response.text
    assert "control character" in response.text or parameter not in ("q", "stage", "topic")


@pytest.mark.parametrize("path", SEARCHES)
def test_deep_nesting_in_a_search_is_a_400_naming_the_limit(
    client: TestClient, corpus: Corpus, path: str
) -> None:
    response = client.get(path, params={"q": DEEP})
    assert response.status_code == 400
    assert f"nested too deeply: at most {MAX_DEPTH}" in response.text


def test_the_api_answers_where_the_query_nests_too_deeply(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": DEEP})
    assert response.json()["detail"]["position"] == MAX_DEPTH
    check = client.get("/api/query-check", params={"q": DEEP}).json()
    assert (check["ok"], check["position"]) == (False, MAX_DEPTH)
    assert client.get("/api/query-check", params={"q": f"a{NUL}"}).json()["ok"] is False


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("email", f"reader{NUL}@example.org", "not a valid email address"),
        ("email", "reader@example.org\x1b[31m", "not a valid email address"),
        ("query", f"online{NUL}safety", "control character U+0000"),
        ("query", DEEP, "nested too deeply"),
        ("name", f"My alert{NUL}", "control character (U+0000)"),
        ("name", "My alert\x07", "control character (U+0007)"),
    ],
)
def test_a_bad_sign_up_field_is_shown_on_the_form_and_nothing_stored(
    client: TestClient,
    session: Session,
    outbox: Path,
    corpus: Corpus,
    field: str,
    value: str,
    said: str,
) -> None:
    data = {"email": "reader@example.org", "query": "online", field: value}
    response = client.post("/subscribe", data={"csrf_token": csrf(client), **data})
    assert response.status_code == 400
    alert = str(html.fromstring(response.text).cssselect("div.error")[0].xpath("string()"))
    assert said in alert
    assert (stored(session, Subscriber), stored(session, Subscription)) == (0, 0)
    assert not list(outbox.glob("*.eml"))


@pytest.mark.parametrize(
    ("field", "value"), [("query", f"grooming{NUL}"), ("query", DEEP), ("name", f"x{NUL}")]
)
def test_a_bad_edit_on_the_manage_page_is_a_400_and_changes_nothing(
    client: TestClient, session: Session, outbox: Path, corpus: Corpus, field: str, value: str
) -> None:
    sign_up(client, email="reader@example.org", query="pornography", name="mine")
    page = html.fromstring(client.get(confirm(client, outbox)).text)
    form = page.cssselect("form[action*='/subscriptions/']")[0]
    data = {
        "csrf_token": form.cssselect("input[name=csrf_token]")[0].get("value"),
        "action": "save",
        "query": "grooming",
        field: value,
    }
    assert client.post(form.get("action"), data=data).status_code == 400
    session.expire_all()
    subscription = session.scalars(select(Subscription)).one()
    assert (subscription.query, subscription.name) == ("pornography", "mine")
