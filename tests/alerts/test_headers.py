import email.policy
from email.message import EmailMessage

import pytest

from alerts.headers import unsubscribe_headers, unsubscribe_url


def test_headers_follow_rfc_8058():
    headers = unsubscribe_headers(
        "https://fivewatch.example.org", "abc.DEF-1", "leave@fivewatch.example.org"
    )
    assert headers == {
        "List-Unsubscribe": (
            "<https://fivewatch.example.org/unsubscribe/abc.DEF-1>, "
            "<mailto:leave@fivewatch.example.org?subject=unsubscribe>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_https_link_comes_first_and_mailto_is_optional():
    headers = unsubscribe_headers("https://fivewatch.example.org/", "tok")
    assert headers["List-Unsubscribe"] == "<https://fivewatch.example.org/unsubscribe/tok>"


def test_base_url_with_a_path_prefix_is_kept():
    url = unsubscribe_url("https://example.org/fivewatch/", "tok")
    assert url == "https://example.org/fivewatch/unsubscribe/tok"


def test_token_characters_outside_url_safe_set_are_quoted():
    assert unsubscribe_url("https://example.org", "a/b c").endswith("/unsubscribe/a%2Fb%20c")


@pytest.mark.parametrize(
    "base_url", ["http://fivewatch.example.org", "ftp://example.org", "example.org"]
)
def test_non_https_base_urls_are_refused(base_url):
    with pytest.raises(ValueError, match="https"):
        unsubscribe_url(base_url, "tok")


@pytest.mark.parametrize("base_url", ["http://localhost:8000", "http://127.0.0.1:5000/"])
def test_http_is_allowed_for_localhost(base_url):
    assert unsubscribe_url(base_url, "tok").startswith("http://")


@pytest.mark.parametrize(
    "mailto", ["no-at-sign", "a@b.org?subject=x", "<a@b.org>", "a@b.org, c@d.org"]
)
def test_malformed_mailto_is_refused(mailto):
    with pytest.raises(ValueError, match="mailto"):
        unsubscribe_headers("https://example.org", "tok", mailto)


def test_headers_survive_serialisation_of_a_message():
    message = EmailMessage(policy=email.policy.SMTP)
    for name, value in unsubscribe_headers(
        "https://example.org", "t" * 120, "u@example.org"
    ).items():
        message[name] = value
    reparsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert reparsed["List-Unsubscribe"] == message["List-Unsubscribe"]
    assert reparsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
