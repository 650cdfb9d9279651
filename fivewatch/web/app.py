"""The app factory: one engine, one template set, security middleware, routers per area."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from alerts.backends.base import MailBackend
from alerts.backends.file import FileBackend
from fivewatch.config import Config
from fivewatch.web import admin, api, metrics, pages, search, subscriptions
from fivewatch.web.security import RateLimiter, SecurityMiddleware
from fivewatch.web.state import WebState
from models.db import make_engine, make_session_factory

STATIC = Path(__file__).with_name("static")


def create_app(config: Config, *, mailer: MailBackend | None = None) -> FastAPI:
    """The web app on `config.database_url`; confirmation emails go through `mailer`.

    Raises ValueError without a secret key: every email link is signed with it.
    """
    if not config.secret_key:
        raise ValueError(
            "FIVEWATCH_SECRET_KEY is not set: the web app signs its confirm, manage and "
            "unsubscribe links with it"
        )
    app = FastAPI(
        title="FiveWatch",
        summary="Bills and ministerial statements on online child protection, Five Eyes",
        version="1",
        # Swagger UI and ReDoc load scripts from a CDN and inline: our CSP forbids both.
        # The schema itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebState(
        config=config,
        sessions=make_session_factory(make_engine(config.database_url)),
        mailer=mailer or FileBackend(config.outbox_path),
        limiter=RateLimiter(),
        # Read through the config object so the lead can add FIVEWATCH_ADMIN_PASSWORD there.
        admin_password=str(getattr(config, "admin_password", "") or ""),
    )
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, search, subscriptions, api, admin, metrics):
        app.include_router(module.router)
    return app
