"""Signed, expiring tokens for the links in our emails: confirm, manage, unsubscribe.

Each purpose has its own salt, so a token made for one link never works for another
(a leaked "manage" link cannot confirm a subscription). Tokens carry one integer id.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"
    UNSUBSCRIBE = "unsubscribe"


# Confirm links go stale quickly; unsubscribe links must keep working in old emails
# (Gmail and RFC 8058 expect one-click unsubscribe from any message we sent).
MAX_AGE: dict[Purpose, timedelta] = {
    Purpose.CONFIRM: timedelta(days=7),
    Purpose.MANAGE: timedelta(days=30),
    Purpose.UNSUBSCRIBE: timedelta(days=365),
}


class TokenError(ValueError):
    """A token that must not be honoured; the message says why, never the secret."""


class ExpiredToken(TokenError):
    pass


class BadTokenSignature(TokenError):
    pass


class WrongPurposeToken(TokenError):
    pass


def make_token(secret: str | bytes, purpose: Purpose | str, object_id: int) -> str:
    """A URL-safe token for a subscriber or subscription id, signed for one purpose."""
    return str(_serializer(secret, Purpose(purpose)).dumps(object_id))


def read_token(
    secret: str | bytes,
    purpose: Purpose | str,
    token: str,
    max_age: timedelta | None = None,
) -> int:
    """The id inside a token made for `purpose`, or a TokenError saying what is wrong."""
    purpose = Purpose(purpose)
    age = max_age if max_age is not None else MAX_AGE[purpose]
    try:
        value = _serializer(secret, purpose).loads(token, max_age=int(age.total_seconds()))
    except SignatureExpired as error:
        raise ExpiredToken(f"this {purpose} link has expired ({error})") from None
    except BadSignature:
        raise _signature_error(secret, purpose, token) from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadTokenSignature(f"this {purpose} link does not carry an id")
    return value


def _serializer(secret: str | bytes, purpose: Purpose) -> URLSafeTimedSerializer:
    if not secret:
        raise ValueError("an empty secret key cannot sign tokens")
    return _cached_serializer(secret, purpose)


@lru_cache(maxsize=16)
def _cached_serializer(secret: str | bytes, purpose: Purpose) -> URLSafeTimedSerializer:
    """Made once per key and purpose (an email signs two or three links): it holds no state."""
    return URLSafeTimedSerializer(secret, salt=f"fivewatch.{purpose.value}")


def _signature_error(secret: str | bytes, purpose: Purpose, token: str) -> TokenError:
    """Say "wrong purpose" when the token is genuine but made for another link."""
    for other in Purpose:
        if other is not purpose and _is_genuine(secret, other, token):
            return WrongPurposeToken(f"a {other} link cannot be used to {purpose}")
    return BadTokenSignature(f"this {purpose} link is not valid (bad signature)")


def _is_genuine(secret: str | bytes, purpose: Purpose, token: str) -> bool:
    try:
        _serializer(secret, purpose).loads(token)
    except BadSignature:
        return False
    return True
