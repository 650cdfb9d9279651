"""Security headers, CSRF (double-submit cookie), rate limits and the admin password."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

CSRF_COOKIE = "fivewatch_csrf"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Token links (confirm, manage, unsubscribe, feeds) must never leak through Referer.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: the cookie's value, or the one the middleware will set."""
    token: str = request.state.csrf_token
    return token


class SecurityMiddleware(BaseHTTPMiddleware):
    """Adds the security headers to every answer and gives each browser a CSRF cookie."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        existing = request.cookies.get(CSRF_COOKIE, "")
        request.state.csrf_token = existing or secrets.token_urlsafe(32)
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not existing:
            response.set_cookie(
                CSRF_COOKIE,
                request.state.csrf_token,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response


async def require_csrf(request: Request) -> None:
    """Every form POST carries the cookie's token in a field; a cross-site form cannot."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not isinstance(sent, str) or not secrets.compare_digest(sent, cookie):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "This form has expired or came from another site: reload the page and try again.",
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens added per second
    burst: int  # bucket size: requests allowed at once


# Sign-ups send email: few and slow. Token links: enough for a person editing subscriptions.
DEFAULT_LIMITS = {"subscribe": Limit(rate=0.1, burst=5), "token": Limit(rate=1.0, burst=30)}


@dataclass
class RateLimiter:
    """In-process token buckets per (area, client address)."""

    limits: dict[str, Limit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def allow(self, area: str, client: str) -> float:
        """0 when allowed (and a token taken), else the seconds to wait."""
        limit, now = self.limits[area], self.clock()
        bucket = self._buckets.setdefault((area, client), _Bucket(limit.burst, now))
        bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / limit.rate


def rate_limited(area: str) -> Callable[[Request], None]:
    """A dependency refusing with 429 (and Retry-After) once a client exhausts `area`."""

    def check(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        wait = request.app.state.web.limiter.allow(area, client)
        if wait:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "Too many requests: please wait a moment and try again.",
                headers={"Retry-After": str(int(wait) + 1)},
            )

    return check


_basic = HTTPBasic(realm="FiveWatch admin", auto_error=False)


def require_admin(
    request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
) -> None:
    """HTTP Basic with the admin password; no password configured means no admin pages."""
    password: str = request.app.state.web.admin_password
    if not password:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    given = credentials.password if credentials else ""
    if not secrets.compare_digest(given.encode(), password.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Admin password required",
            headers={"WWW-Authenticate": 'Basic realm="FiveWatch admin"'},
        )
