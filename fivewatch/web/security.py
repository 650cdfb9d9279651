"""Security headers, CSRF (signed double-submit cookie), rate limits, /admin and /metrics auth.

Every per-client decision keys on `request.client.host`, which `ProxyHeadersMiddleware` (added
in `create_app` with FIVEWATCH_TRUSTED_PROXIES) sets to the real client only when the hop that
connected is a trusted proxy: a client cannot name itself in X-Forwarded-For.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from itsdangerous import BadSignature, Signer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from alerts.tokens import is_genuine
from fivewatch.config import Config

CSRF_COOKIE = "fivewatch_csrf"
# Over https: a __Host- cookie is Secure, Path=/ and host-only, so a sibling subdomain cannot
# plant one; the signature refuses a planted plain cookie too.
SECURE_CSRF_COOKIE = f"__Host-{CSRF_COOKIE}"
CSRF_FIELD = "csrf_token"


def content_security_policy(script_src: str = "'self'") -> str:
    """Our own files only; /docs adds the hash of Swagger UI's start script (web/docs.py)."""
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src {script_src}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def inline_script_hash(script: str) -> str:
    """The CSP source allowing exactly this inline script."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"


SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Token links (confirm, manage, unsubscribe, feeds) must never leak through Referer.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
TOO_MANY = "Too many requests: please wait a moment and try again."


def trusted_proxies(config: Config) -> list[str]:
    """FIVEWATCH_TRUSTED_PROXIES as a list for uvicorn's middleware; `none` trusts no proxy."""
    raw = config.trusted_proxies.strip()
    return [] if raw.lower() == "none" else [item.strip() for item in raw.split(",") if item]


def client_key(request: Request) -> str:
    """The real client's address (see the module docstring)."""
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: the cookie's value, or the one the middleware will set."""
    token: str = request.state.csrf_token
    return token


def _csrf_cookie_name(request: Request) -> str:
    return SECURE_CSRF_COOKIE if request.url.scheme == "https" else CSRF_COOKIE


class SecurityMiddleware(BaseHTTPMiddleware):
    """Adds the security headers to every answer and gives each browser a signed CSRF cookie."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        super().__init__(app)
        self.signer = Signer(secret, salt="fivewatch.csrf")

    def _cookie_token(self, request: Request) -> str:
        """The token in this browser's cookie if we signed it, else ""."""
        try:
            return self.signer.unsign(request.cookies.get(_csrf_cookie_name(request), "")).decode()
        except (BadSignature, UnicodeDecodeError):
            return ""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        existing = self._cookie_token(request)
        request.state.csrf_cookie = existing
        request.state.csrf_token = existing or secrets.token_urlsafe(32)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)  # a page's own CSP (/docs) stands
        if not existing:
            response.set_cookie(
                _csrf_cookie_name(request),
                self.signer.sign(request.state.csrf_token).decode(),
                path="/",
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response


async def require_csrf(request: Request) -> None:
    """Every form POST carries the signed cookie's token in a field; a cross-site form cannot."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie: str = request.state.csrf_cookie
    if not cookie or not isinstance(sent, str) or not secrets.compare_digest(sent, cookie):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "This form has expired or came from another site: reload the page and try again.",
        )


# Sign-ups send email: few and slow. Token links: enough for a person editing subscriptions.
# /admin: a client is locked out after 10 wrong passwords in 15 minutes, and everybody for the
# rest of the minute once 100 have failed in one (a guesser spread over many addresses).
DEFAULT_LIMITS = {
    "subscribe": "5/minute",
    "token": "30/minute",
    "admin": "10/15 minutes",
    "admin-all": "100/minute",
}


@dataclass
class RateLimiter:
    """Moving-window limits per (area, key), in this process's memory (the `limits` package)."""

    limits: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    _items: dict[str, RateLimitItem] = field(init=False)
    _window: MovingWindowRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self._items = {area: parse(limit) for area, limit in self.limits.items()}
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, area: str, key: str) -> float:
        """0 when allowed (and counted), else the seconds to wait."""
        if self._window.hit(self._items[area], area, key):
            return 0.0
        return self._wait(area, key)

    def blocked(self, area: str, key: str) -> float:
        """The seconds to wait if `key` has used up `area`, else 0; counts nothing."""
        return 0.0 if self._window.test(self._items[area], area, key) else self._wait(area, key)

    def record(self, area: str, key: str) -> None:
        """Count one event (a failed login) without asking whether it was allowed."""
        self._window.hit(self._items[area], area, key)

    def _wait(self, area: str, key: str) -> float:
        reset = self._window.get_window_stats(self._items[area], area, key).reset_time
        return max(reset - time.time(), 1.0)


def too_many(wait: float) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY, headers={"Retry-After": str(math.ceil(wait))}
    )


def link_key(request: Request) -> str:
    """A token link's limit follows the token when we signed it, else the client.

    So one client hammering (forged links, or its own) never blocks another person's
    confirm, manage or one-click unsubscribe, even from the same address.
    """
    token = str(request.path_params.get("token", ""))
    secret = request.app.state.web.config.secret_key
    return f"link:{token}" if token and is_genuine(secret, token) else client_key(request)


def rate_limited(
    area: str, key: Callable[[Request], str] = client_key
) -> Callable[[Request], None]:
    """A dependency refusing with 429 (and Retry-After) once `key` exhausts `area`.

    List it after `require_csrf`: a forged cross-site post must not spend a real user's budget.
    """

    def check(request: Request) -> None:
        wait = request.app.state.web.limiter.allow(area, key(request))
        if wait:
            raise too_many(wait)

    return check


_basic = HTTPBasic(realm="FiveWatch admin", auto_error=False)


def require_admin(
    request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
) -> None:
    """HTTP Basic with the admin user and password; no password configured means no admin pages.

    Wrong credentials count against the client and against everybody; past either limit every
    attempt is refused unchecked, so a locked-out guesser learns nothing. A success resets nothing.
    """
    config: Config = request.app.state.web.config
    if not config.admin_password:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    limiter: RateLimiter = request.app.state.web.limiter
    client = client_key(request)
    wait = max(limiter.blocked("admin", client), limiter.blocked("admin-all", ""))
    if wait:
        raise too_many(wait)
    if credentials is None or not _admin_matches(config, credentials):
        if credentials is not None:  # a browser's first request carries none: no guess
            limiter.record("admin", client)
            limiter.record("admin-all", "")
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Admin password required",
            headers={"WWW-Authenticate": 'Basic realm="FiveWatch admin"'},
        )


def _admin_matches(config: Config, credentials: HTTPBasicCredentials) -> bool:
    # Both compared every time: which one was wrong must not show in the timing.
    user = secrets.compare_digest(credentials.username.encode(), config.admin_user.encode())
    password = secrets.compare_digest(credentials.password.encode(), config.admin_password.encode())
    return user and password


def require_metrics_access(request: Request) -> None:
    """/metrics: the bearer FIVEWATCH_METRICS_TOKEN when set, else loopback clients only."""
    token: str = request.app.state.web.config.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Metrics token required",
                headers={"WWW-Authenticate": 'Bearer realm="FiveWatch metrics"'},
            )
    elif not _is_loopback(client_key(request)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Metrics are served to this host only: set FIVEWATCH_METRICS_TOKEN to scrape remotely",
        )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
