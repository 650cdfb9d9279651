"""CSRF on every form, rate limits per real client, the admin password and its lockout.

Addresses are from the documentation ranges (RFC 5737); the X-Forwarded-* headers a client sends
to spoof its address are SYNTHETIC hostile inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from alerts.subscriptions import subscribe
from alerts.tokens import Purpose, make_token
from fivewatch.web import create_app
from fivewatch.web.security import CSRF_COOKIE, SECURE_CSRF_COOKIE, RateLimiter
from tests.web.conftest import ADMIN_PASSWORD, SECRET, Corpus, web_config
from tests.web.test_subscription_pages import csrf

FORM = {"email": "reader@example.org", "query": "pornography"}
PROXY = ("127.0.0.1", 41000)  # the documented set-up: nginx on the same host
ALICE = {"X-Forwarded-For": "203.0.113.7"}
BOB = {"X-Forwarded-For": "198.51.100.23"}
ADMIN = ("admin", ADMIN_PASSWORD)


@pytest.fixture
def proxied(db_url: str, outbox: Path) -> Iterator[TestClient]:
    """Requests arriving through the default trusted proxy (loopback)."""
    with TestClient(create_app(web_config(db_url, outbox)), client=PROXY) as test_client:
        yield test_client


def sign_ups(client: TestClient, count: int, headers: dict[str, str]) -> list[int]:
    token = csrf(client)
    data = {**FORM, "csrf_token": token}
    return [client.post("/subscribe", data=data, headers=headers).status_code for _ in range(count)]


def test_csrf_cookie_is_strict_and_http_only(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on localhost keeps working


def test_form_posts_without_the_matching_token_are_refused(
    client: TestClient, corpus: Corpus, outbox: Path
) -> None:
    assert client.post("/subscribe", data=FORM).status_code == 403
    csrf(client)
    assert client.post("/subscribe", data={**FORM, "csrf_token": "guess"}).status_code == 403
    stranger = TestClient(client.app)  # another site's form: right field, no cookie
    token = csrf(client)
    assert stranger.post("/subscribe", data={**FORM, "csrf_token": token}).status_code == 403
    assert not outbox.exists()
    assert client.post("/subscribe", data={**FORM, "csrf_token": token}).status_code == 200


def test_a_planted_unsigned_csrf_cookie_is_refused(client: TestClient, corpus: Corpus) -> None:
    # SYNTHETIC: a sibling subdomain sets the cookie to a value it also puts in its form.
    client.cookies.set(CSRF_COOKIE, "planted-by-a-sibling")
    answer = client.post("/subscribe", data={**FORM, "csrf_token": "planted-by-a-sibling"})
    assert answer.status_code == 403
    assert answer.headers["set-cookie"].startswith(f"{CSRF_COOKIE}=")  # replaced by a signed one


def test_behind_tls_the_csrf_cookie_is_secure_and_host_only(
    proxied: TestClient, corpus: Corpus
) -> None:
    cookie = proxied.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert cookie.startswith(f"{SECURE_CSRF_COOKIE}=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_forms_work_over_https(db_url: str, outbox: Path, corpus: Corpus) -> None:
    app = create_app(web_config(db_url, outbox))
    with TestClient(app, base_url="https://testserver") as secure:
        token = csrf(secure)
        assert SECURE_CSRF_COOKIE in secure.cookies
        assert secure.post("/subscribe", data={**FORM, "csrf_token": token}).status_code == 200


def test_only_a_trusted_proxy_can_claim_https(client: TestClient) -> None:
    # SYNTHETIC: a direct client claims TLS to get a cookie it could then not send back.
    cookie = client.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "Secure" not in cookie


def test_sign_ups_are_rate_limited_per_client(client: TestClient, corpus: Corpus) -> None:
    token = csrf(client)
    answers = [client.post("/subscribe", data={**FORM, "csrf_token": token}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_clients_behind_the_trusted_proxy_have_their_own_budgets(
    proxied: TestClient, corpus: Corpus
) -> None:
    assert sign_ups(proxied, 6, ALICE) == [200] * 5 + [429]
    assert sign_ups(proxied, 1, BOB) == [200]


def test_a_direct_client_cannot_pick_its_address(client: TestClient, corpus: Corpus) -> None:
    # SYNTHETIC: a new X-Forwarded-For on every request, from a client that is no proxy.
    token = csrf(client)
    codes = [
        client.post(
            "/subscribe",
            data={**FORM, "csrf_token": token},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_forged_cross_site_posts_spend_no_budget(proxied: TestClient, corpus: Corpus) -> None:
    csrf(proxied)
    forged = [
        proxied.post("/subscribe", data={**FORM, "csrf_token": "guess"}, headers=ALICE)
        for _ in range(10)
    ]
    assert {answer.status_code for answer in forged} == {403}
    assert sign_ups(proxied, 5, ALICE) == [200] * 5


def test_token_links_are_rate_limited(client: TestClient) -> None:
    codes = [client.get("/manage/forged").status_code for _ in range(31)]
    assert codes == [400] * 30 + [429]


def test_one_click_unsubscribe_works_while_a_neighbour_is_limited(
    proxied: TestClient, session: Session
) -> None:
    bob = subscribe(session, email="bob@example.org", query="grooming", confirmed=True)
    session.commit()
    # SYNTHETIC: a client behind the same NAT as Bob hammers forged links.
    hammering = [proxied.get("/unsubscribe/forged", headers=BOB).status_code for _ in range(31)]
    assert hammering[-1] == 429
    link = f"/unsubscribe/{make_token(SECRET, Purpose.UNSUBSCRIBE, bob.subscriber_id)}"
    assert proxied.get(link, headers=BOB).status_code == 200
    assert proxied.post(link, headers=BOB).status_code == 200  # RFC 8058 one-click
    session.expire_all()
    assert bob.subscriber.unsubscribed_at is not None


def test_a_genuine_link_has_its_own_budget(proxied: TestClient, session: Session) -> None:
    ids = [
        subscribe(session, email=f"{who}@example.org", query="grooming").subscriber_id
        for who in ("ann", "ben")
    ]
    session.commit()
    ann, ben = (f"/manage/{make_token(SECRET, Purpose.MANAGE, i)}" for i in ids)
    assert [proxied.get(ann).status_code for _ in range(31)] == [200] * 30 + [429]
    assert proxied.get(ben).status_code == 200


def test_the_window_frees_up_with_time() -> None:
    limiter = RateLimiter(limits={"a": "2/minute"})
    start = datetime(2026, 11, 29, 5, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert [limiter.allow("a", "ip") for _ in range(2)] == [0.0, 0.0]
        assert limiter.allow("a", "ip") == pytest.approx(60.0)
        assert limiter.allow("a", "other") == 0.0
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert limiter.allow("a", "ip") == 0.0


def test_admin_needs_the_password(client: TestClient, corpus: Corpus) -> None:
    assert client.get("/admin").status_code == 401
    assert client.get("/admin", auth=("admin", "wrong")).status_code == 401
    page = client.get("/admin", auth=ADMIN)
    assert page.status_code == 200
    assert "ca-legisinfo-bills" in page.text


def test_admin_needs_the_user_name_too(client: TestClient, corpus: Corpus) -> None:
    assert client.get("/admin", auth=("anyone", ADMIN_PASSWORD)).status_code == 401


def test_admin_is_absent_without_a_password(db_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(web_config(db_url, tmp_path, admin_password=""))) as client:
        assert client.get("/admin", auth=("admin", "")).status_code == 404


def test_admin_locks_a_guesser_out_and_no_one_else(proxied: TestClient, corpus: Corpus) -> None:
    guesses = [
        proxied.get("/admin", auth=("admin", f"guess-{n}"), headers=ALICE) for n in range(11)
    ]
    assert [answer.status_code for answer in guesses] == [401] * 10 + [429]
    assert int(guesses[-1].headers["Retry-After"]) > 60  # the 15-minute window
    # Locked out, the right password is not even checked: the guesser learns nothing.
    assert proxied.get("/admin", auth=ADMIN, headers=ALICE).status_code == 429
    assert proxied.get("/admin", auth=ADMIN, headers=BOB).status_code == 200
    assert proxied.get("/admin", auth=ADMIN, headers=ALICE).status_code == 429  # not reset


def test_a_visit_without_credentials_is_no_guess(client: TestClient, corpus: Corpus) -> None:
    assert {client.get("/admin").status_code for _ in range(15)} == {401}
    assert client.get("/admin", auth=ADMIN).status_code == 200


def test_a_guesser_spread_over_many_addresses_is_slowed_too(
    proxied: TestClient, corpus: Corpus
) -> None:
    limits = {"admin": "10/15 minutes", "admin-all": "3/minute"}
    proxied.app.state.web.limiter = RateLimiter(limits=limits)  # type: ignore[attr-defined]
    for n in range(3):  # SYNTHETIC: one guess from each of three addresses
        headers = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert proxied.get("/admin", auth=("admin", "guess"), headers=headers).status_code == 401
    assert proxied.get("/admin", auth=ADMIN, headers=BOB).status_code == 429


def test_admin_user_name_comes_from_the_config(db_url: str, tmp_path: Path) -> None:
    config = dataclasses.replace(web_config(db_url, tmp_path), admin_user="ops")
    with TestClient(create_app(config)) as client:
        assert client.get("/admin", auth=ADMIN).status_code == 401
        assert client.get("/admin", auth=("ops", ADMIN_PASSWORD)).status_code == 200
