from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alerts.tokens import (
    MAX_AGE,
    BadTokenSignature,
    ExpiredToken,
    Purpose,
    WrongPurposeToken,
    is_genuine,
    make_feed_token,
    make_token,
    read_feed_token,
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


YEAR = timedelta(days=365)


def test_feed_token_carries_the_subscription_and_its_version():
    token = make_feed_token(SECRET, 31, 2)
    assert read_feed_token(SECRET, token, YEAR) == (31, 2)


def test_feed_token_expires_after_its_max_age():
    with time_machine.travel(START, tick=False):
        token = make_feed_token(SECRET, 31, 0)
    with time_machine.travel(START + YEAR - timedelta(days=1)):
        assert read_feed_token(SECRET, token, YEAR) == (31, 0)
    with (
        time_machine.travel(START + YEAR + timedelta(days=1)),
        pytest.raises(ExpiredToken, match="feed link has expired"),
    ):
        read_feed_token(SECRET, token, YEAR)


def test_other_links_are_not_feed_tokens_nor_the_reverse():
    with pytest.raises(BadTokenSignature):
        read_feed_token(SECRET, make_token(SECRET, Purpose.UNSUBSCRIBE, 31), YEAR)
    with pytest.raises(BadTokenSignature):
        read_token(SECRET, Purpose.UNSUBSCRIBE, make_feed_token(SECRET, 31, 0))


def test_genuine_means_signed_by_us_for_any_link_even_expired():
    with time_machine.travel(START - 2 * YEAR, tick=False):
        old = make_token(SECRET, Purpose.CONFIRM, 5)
    assert is_genuine(SECRET, old)
    assert is_genuine(SECRET, make_feed_token(SECRET, 5, 1))
    assert not is_genuine(SECRET, make_token("another-secret", Purpose.MANAGE, 5))
    assert not is_genuine(SECRET, "forged")
