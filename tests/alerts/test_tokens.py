from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alerts.tokens import (
    MAX_AGE,
    BadTokenSignature,
    ExpiredToken,
    Purpose,
    WrongPurposeToken,
    make_token,
    read_token,
)

SECRET = "test-secret-key"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_round_trip_gives_the_id_back(purpose):
    token = make_token(SECRET, purpose, 4821)
    assert read_token(SECRET, purpose, token) == 4821


def test_token_is_url_safe():
    token = make_token(SECRET, "unsubscribe", 7)
    assert all(c.isalnum() or c in "-_." for c in token)


def test_wrong_purpose_is_refused_and_named():
    token = make_token(SECRET, Purpose.MANAGE, 12)
    with pytest.raises(WrongPurposeToken, match="a manage link cannot be used to confirm"):
        read_token(SECRET, Purpose.CONFIRM, token)


def test_tampered_token_is_refused():
    token = make_token(SECRET, Purpose.UNSUBSCRIBE, 12)
    other = make_token(SECRET, Purpose.UNSUBSCRIBE, 13)
    payload_of_other, _, _ = other.partition(".")
    forged = payload_of_other + token[token.index(".") :]
    with pytest.raises(BadTokenSignature, match="bad signature"):
        read_token(SECRET, Purpose.UNSUBSCRIBE, forged)


def test_token_signed_with_another_secret_is_refused():
    token = make_token("another-secret", Purpose.CONFIRM, 12)
    with pytest.raises(BadTokenSignature):
        read_token(SECRET, Purpose.CONFIRM, token)


def test_confirm_token_expires_after_its_max_age():
    with time_machine.travel(START, tick=False):
        token = make_token(SECRET, Purpose.CONFIRM, 5)
    with time_machine.travel(START + MAX_AGE[Purpose.CONFIRM] - timedelta(minutes=1)):
        assert read_token(SECRET, Purpose.CONFIRM, token) == 5
    with (
        time_machine.travel(START + MAX_AGE[Purpose.CONFIRM] + timedelta(minutes=1)),
        pytest.raises(ExpiredToken, match="confirm link has expired"),
    ):
        read_token(SECRET, Purpose.CONFIRM, token)


def test_unsubscribe_token_still_works_months_later():
    with time_machine.travel(START, tick=False):
        token = make_token(SECRET, Purpose.UNSUBSCRIBE, 5)
    with time_machine.travel(START + timedelta(days=300)):
        assert read_token(SECRET, Purpose.UNSUBSCRIBE, token) == 5


def test_explicit_max_age_overrides_the_default():
    with time_machine.travel(START, tick=False):
        token = make_token(SECRET, Purpose.UNSUBSCRIBE, 5)
    with (
        time_machine.travel(START + timedelta(hours=2)),
        pytest.raises(ExpiredToken),
    ):
        read_token(SECRET, Purpose.UNSUBSCRIBE, token, max_age=timedelta(hours=1))


def test_secret_never_appears_in_errors():
    token = make_token(SECRET, Purpose.MANAGE, 1)
    with pytest.raises(WrongPurposeToken) as caught:
        read_token(SECRET, Purpose.UNSUBSCRIBE, token)
    assert SECRET not in str(caught.value)


def test_empty_secret_is_refused():
    with pytest.raises(ValueError, match="empty secret"):
        make_token("", Purpose.CONFIRM, 1)


def test_unknown_purpose_is_refused():
    with pytest.raises(ValueError, match="delete"):
        make_token(SECRET, "delete", 1)
