"""The app factory: one engine, one template set, security middleware, routers per area."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from alerts.backends.interface import MailBackend
from fivewatch.config import Config
from fivewatch.mailer import channel_destinations, mail_backend
from fivewatch.web import (
    admin_pages,
    api,
    metrics,
    pages,
    provider_events,
    search_page,
    subscription_pages,
)
from fivewatch.web.docs import add_docs
from fivewatch.web.errors import add_error_pages
from fivewatch.web.security import RateLimiter, SecurityMiddleware, trusted_proxies
from fivewatch.web.state import WebState
from models.db import make_engine, make_session_factory

STATIC = Path(__file__).with_name("static")


def create_app(config: Config, *, mailer: MailBackend | None = None) -> FastAPI:
    """The web app on `config.database_url`; confirmation emails go through `mailer`.

    Raises ValueError without a secret key (every email link is signed with it) or with a
    feed link lifetime that is not a positive number of days, and FiveWatchError naming a
    malformed FIVEWATCH_CHANNEL_<NAME> (at start, not as a 500 on the first page using it).
    """
    if not config.secret_key:
        raise ValueError(
            "FIVEWATCH_SECRET_KEY is not set: the web app signs its confirm, manage and "
            "unsubscribe links with it"
        )
    channel_destinations(config)
    app = FastAPI(
        title="FiveWatch",
        summary="Bills and ministerial statements on online child protection, Five Eyes",
        version="1",
        # FastAPI's /docs loads Swagger UI from a CDN: fivewatch.web.docs serves it from the app.
        # The schema itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebState(
        config=config,
        sessions=make_session_factory(make_engine(config.database_url)),
        mailer=mailer or mail_backend(config),
        limiter=RateLimiter(),
        feed_max_age=feed_max_age(config),
    )
    app.add_middleware(SecurityMiddleware, secret=config.secret_key)
    # Outermost, so the CSRF cookie's Secure flag and every limit see the real client and scheme.
    # Here rather than in uvicorn: the app is the same under any server and in tests.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies(config))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_docs(app)
    add_error_pages(app)
    routers = (pages, search_page, subscription_pages, api, admin_pages, metrics, provider_events)
    for module in routers:
        app.include_router(module.router)
    return app


def feed_max_age(config: Config) -> timedelta:
    """FIVEWATCH_FEED_TOKEN_DAYS as a duration; ValueError names the setting."""
    try:
        days = int(config.feed_token_days)
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(
            f"FIVEWATCH_FEED_TOKEN_DAYS must be a whole number of days, "
            f"not {config.feed_token_days!r}"
        )
    return timedelta(days=days)
