"""The sign-up form's topic picker, its 90-day preview before confirming, the pitfall warnings
with their suggestion, the manage form reading topics back, and "Alert me on this search"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.tokens import Purpose, make_token
from models import Document, Subscription
from models.taxonomy import topic_labels
from tests.web.conftest import NOW, SECRET, Corpus
from tests.web.test_subscription_pages import csrf, sign_up


def preview(client: TestClient, at: datetime = NOW, **fields: str | list[str]) -> html.HtmlElement:
    with time_machine.travel(at, tick=False):
        answer = client.post("/subscribe/preview", data={"csrf_token": csrf(client), **fields})
    assert answer.status_code == 200, answer.text
    return html.fromstring(answer.text)


def recent(session: Session, at: datetime) -> list[Document]:
    """The corpus' Canadian documents published in the 90 days before `at`, newest first."""
    since = at.date() - timedelta(days=90)
    return list(
        session.scalars(
            select(Document)
            .where(Document.jurisdiction == "ca", Document.published_on >= since)
            .order_by(Document.published_on.desc(), Document.id.desc())
        )
    )


def test_the_picker_shows_labels_and_stores_one_composed_query(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    page = html.fromstring(client.get("/subscribe").text)
    boxes = page.cssselect("fieldset.topics label")
    shown = [str(label.text_content()).strip() for label in boxes]  # type: ignore[attr-defined]
    assert shown == ["Any online child protection topic", *topic_labels().values()]
    sign_up(client, email="r@example.org", query="grooming OR sextortion",
            topic=["age-assurance", "csam"])  # fmt: skip
    sign_up(client, email="s@example.org", topic=["any"])  # topics alone are a query
    stored = session.scalars(select(Subscription.query).order_by(Subscription.id)).all()
    assert stored == ["topic:csam|age-assurance AND (grooming OR sextortion)", "topic:any"]


def test_an_unknown_topic_is_the_forms_error(client: TestClient, session: Session) -> None:
    data = {"csrf_token": csrf(client), "email": "r@example.org", "topic": "cyber"}
    answer = client.post("/subscribe", data=data)
    assert answer.status_code == 400
    assert "unknown topic &#39;cyber&#39;: expected one of online-harms" in answer.text
    assert session.scalars(select(Subscription)).all() == []


def test_the_preview_lists_the_last_90_days_newest_first_and_stores_nothing(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    newest = session.scalar(select(func.max(Document.published_on)).where(
        Document.jurisdiction == "ca"))  # fmt: skip
    assert newest is not None
    at = datetime(newest.year, newest.month, newest.day, 12, tzinfo=UTC) + timedelta(days=30)
    expected = recent(session, at)
    older = session.scalars(select(Document).where(Document.jurisdiction == "ca")).all()
    assert 0 < len(expected) < len(older), "the 90 days leave some documents out"
    page = preview(client, at, email="r@example.org", query="jurisdiction:ca")
    (heading,) = page.cssselect("#preview h2")
    assert heading.text_content() == (
        f"Preview: {len(expected)} document{'s' * (len(expected) != 1)} in the last 90 days"
    )
    links = [a.get("href") for a in page.cssselect("#preview li.hit > a")]
    assert links == [f"/documents/{doc.id}" for doc in expected[:10]]
    assert all(
        why.text_content().startswith("matched: ") for why in page.cssselect("#preview .why")
    )
    assert page.cssselect("button#confirm-subscribe")[0].getparent().get("action") == "/subscribe"
    assert page.cssselect("input[name=query]")[0].get("value") == "jurisdiction:ca"
    assert session.scalars(select(Subscription)).all() == []


def test_the_preview_needs_the_forms_csrf_token(client: TestClient) -> None:
    answer = client.post("/subscribe/preview", data={"email": "r@example.org", "query": "x"})
    assert answer.status_code == 403


def test_a_lower_case_or_is_warned_with_its_suggestion(client: TestClient, corpus: Corpus) -> None:
    page = preview(client, email="r@example.org", query="grooming or sextortion")
    (warning,) = page.cssselect(".query-warnings p.warn")
    assert "'or' is searched as a word" in warning.text_content()
    (button,) = warning.cssselect("button.use-suggestion")
    assert button.get("data-suggestion") == "grooming OR sextortion"
    assert button.get("data-suggestion-for") == "query"


def test_manage_reads_the_topics_back_and_warns(
    client: TestClient, session: Session, corpus: Corpus
) -> None:
    sign_up(client, email="r@example.org", query="grooming or sextortion", topic=["csam"])
    subscription = session.scalars(select(Subscription)).one()
    path = f"/manage/{make_token(SECRET, Purpose.MANAGE, subscription.subscriber_id)}"
    page = html.fromstring(client.get(path).text)
    form = page.cssselect(f"#subscription-{subscription.id} form")[0]
    assert form.cssselect("input[name=query]")[0].get("value") == "grooming or sextortion"
    checked = [box.get("value") for box in form.cssselect("input[name=topic][checked]")]
    assert checked == ["csam"]
    (button,) = form.cssselect("button.use-suggestion")
    assert button.get("data-suggestion") == "grooming OR sextortion"
    fields = {"csrf_token": csrf(client, path), "action": "save", "query": "grooming",
              "topic": ["csam", "age-assurance"], "frequency": "daily"}  # fmt: skip
    assert client.post(f"{path}/subscriptions/{subscription.id}", data=fields).status_code == 200
    session.refresh(subscription)
    assert subscription.query == "topic:csam|age-assurance AND (grooming)"


def test_alert_me_on_this_search_prefills_the_sign_up(client: TestClient, corpus: Corpus) -> None:
    search = "q=pornography&jurisdiction=ca&type=bill&topic=age-assurance&scope=all"
    page = html.fromstring(client.get(f"/search?{search}").text)
    (link,) = page.cssselect("a#alert-me")
    form = html.fromstring(client.get(link.get("href")).text).cssselect("form.subscribe")[0]
    assert form.cssselect("input[name=query]")[0].get("value") == "pornography"
    checked = {box.get("name"): box.get("value") for box in form.cssselect("input[checked]")}
    assert checked == {"jurisdiction": "ca", "type": "bill", "topic": "age-assurance"}


def test_topic_facets_show_labels(client: TestClient, corpus: Corpus) -> None:
    page = html.fromstring(client.get("/search?scope=all").text)
    headings = page.cssselect("aside.facets h2")
    topic_list = next(h for h in headings if h.text == "Topic").getnext()
    assert topic_list is not None
    shown = {a.text for a in topic_list.cssselect("a")}
    assert shown
    assert shown <= set(topic_labels().values())


def test_the_api_search_keeps_slugs_and_gives_their_labels(
    client: TestClient, corpus: Corpus
) -> None:
    found = client.get("/api/search", params={"scope": "all"}).json()
    assert found["facets"]["topics"]
    assert found["topic_labels"] == topic_labels()
    assert set(found["facets"]["topics"]) <= set(found["topic_labels"])
