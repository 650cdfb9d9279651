"""Signed, expiring tokens for the links in our emails: confirm, manage, unsubscribe.

Each purpose has its own salt, so a token made for one link never works for another
(a leaked "manage" link cannot confirm a subscription). Tokens carry one integer id; a personal
feed's token also carries its subscriber's feed version, which unsubscribing bumps.
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


FEED_SALT = "fivewatch.feed"


def make_token(secret: str | bytes, purpose: Purpose | str, object_id: int) -> str:
    """A URL-safe token for a subscriber or subscription id, signed for one purpose."""
    return str(_serializer(secret, _salt(Purpose(purpose))).dumps(object_id))


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
        value = _serializer(secret, _salt(purpose)).loads(token, max_age=int(age.total_seconds()))
    except SignatureExpired as error:
        raise ExpiredToken(f"this {purpose} link has expired ({error})") from None
    except BadSignature:
        raise _signature_error(secret, purpose, token) from None
    if not _is_id(value):
        raise BadTokenSignature(f"this {purpose} link does not carry an id")
    return int(value)


def make_feed_token(secret: str | bytes, subscription_id: int, version: int) -> str:
    """A feed link's token: the subscription and its subscriber's current feed version."""
    return str(_serializer(secret, FEED_SALT).dumps([subscription_id, version]))


def read_feed_token(secret: str | bytes, token: str, max_age: timedelta) -> tuple[int, int]:
    """(subscription id, feed version) from a feed token, or a TokenError.

    The caller compares the version with the subscriber's: a link made before an unsubscribe
    carries an older one and must not be honoured, even after the address subscribes again.
    """
    try:
        value = _serializer(secret, FEED_SALT).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise ExpiredToken("this feed link has expired") from None
    except BadSignature:
        raise BadTokenSignature("this feed link is not valid (bad signature)") from None
    if not (isinstance(value, list) and len(value) == 2 and all(map(_is_id, value))):
        raise BadTokenSignature("this feed link does not carry a subscription")
    return int(value[0]), int(value[1])


def is_genuine(secret: str | bytes, token: str) -> bool:
    """Whether we signed `token` for any link, expired or not (rate limits key on such tokens)."""
    return any(_signed(secret, salt, token) for salt in (*map(_salt, Purpose), FEED_SALT))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _salt(purpose: Purpose) -> str:
    return f"fivewatch.{purpose.value}"


def _serializer(secret: str | bytes, salt: str) -> URLSafeTimedSerializer:
    if not secret:
        raise ValueError("an empty secret key cannot sign tokens")
    return _cached_serializer(secret, salt)


@lru_cache(maxsize=16)
def _cached_serializer(secret: str | bytes, salt: str) -> URLSafeTimedSerializer:
    """Made once per key and salt (an email signs two or three links): it holds no state."""
    return URLSafeTimedSerializer(secret, salt=salt)


def _signature_error(secret: str | bytes, purpose: Purpose, token: str) -> TokenError:
    """Say "wrong purpose" when the token is genuine but made for another link."""
    for other in Purpose:
        if other is not purpose and _signed(secret, _salt(other), token):
            return WrongPurposeToken(f"a {other} link cannot be used to {purpose}")
    return BadTokenSignature(f"this {purpose} link is not valid (bad signature)")


def _signed(secret: str | bytes, salt: str, token: str) -> bool:
    try:
        _serializer(secret, salt).loads(token)
    except BadSignature:
        return False
    return True
