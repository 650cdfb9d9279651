"""CSRF on every form, rate limits, admin password, the rate limiter itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fivewatch.web import create_app
from fivewatch.web.security import CSRF_COOKIE, Limit, RateLimiter
from tests.web.conftest import ADMIN_PASSWORD, Corpus, web_config
from tests.web.test_subscriptions import csrf

FORM = {"email": "reader@example.org", "query": "pornography"}


def test_csrf_cookie_is_strict_and_http_only(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


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


def test_sign_ups_are_rate_limited_per_client(client: TestClient, corpus: Corpus) -> None:
    token = csrf(client)
    answers = [client.post("/subscribe", data={**FORM, "csrf_token": token}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_token_links_are_rate_limited(client: TestClient) -> None:
    # A stopped clock: on a slow run the bucket would otherwise refill between requests.
    client.app.state.web.limiter.clock = lambda: 0.0  # type: ignore[attr-defined]
    codes = [client.get("/manage/forged").status_code for _ in range(31)]
    assert codes == [400] * 30 + [429]


def test_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(limits={"a": Limit(rate=0.5, burst=2)}, clock=lambda: now[0])
    assert [limiter.allow("a", "ip") for _ in range(2)] == [0.0, 0.0]
    assert limiter.allow("a", "ip") == pytest.approx(2.0)
    assert limiter.allow("a", "other") == 0.0
    now[0] = 2.0
    assert limiter.allow("a", "ip") == 0.0


def test_admin_needs_the_password(client: TestClient, corpus: Corpus) -> None:
    assert client.get("/admin").status_code == 401
    assert client.get("/admin", auth=("admin", "wrong")).status_code == 401
    page = client.get("/admin", auth=("admin", ADMIN_PASSWORD))
    assert page.status_code == 200
    assert "ca-legisinfo-bills" in page.text


def test_admin_is_absent_without_a_password(db_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(web_config(db_url, tmp_path, admin_password=""))) as client:
        assert client.get("/admin", auth=("admin", "")).status_code == 404
