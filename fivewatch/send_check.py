"""The mail configuration, checked before anything is claimed (`fivewatch send`, the scheduler).

A send with a wrong base URL, From address or provider key would claim deliveries and then fail
each one, or worse, send links nobody can open. So the check runs first and names the setting.

Plain http is allowed for a loopback base URL (a developer's machine) and with the file backend
(the demo: nothing leaves the machine); anything mailed to people must link over https.
"""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import urlsplit

from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def check_send_config(config: Config) -> None:
    """Raise FiveWatchError naming the first setting that would make sending go wrong."""
    for problem in (_base_url_problem(config), _from_problem(config), _backend_problem(config)):
        if problem:
            raise FiveWatchError(f"cannot send: {problem}")


def _base_url_problem(config: Config) -> str:
    url = urlsplit(config.base_url)
    setting = f"FIVEWATCH_BASE_URL {config.base_url!r}"
    if url.scheme not in ("http", "https") or not url.hostname:
        return f"{setting} is not an http(s) URL with a host; email links would not open"
    if url.scheme == "http" and url.hostname not in LOOPBACK and config.mail_backend != "file":
        return f"{setting} is not https; links mailed to people must be https"
    return ""


def _from_problem(config: Config) -> str:
    address = parseaddr(config.mail_from)[1]
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain.strip(".")) or any(c.isspace() for c in address):
        return f"FIVEWATCH_MAIL_FROM {config.mail_from!r} is not a valid email address"
    return ""


def _backend_problem(config: Config) -> str:
    backend = config.mail_backend
    if backend == "sendgrid" and not config.sendgrid_api_key:
        return "FIVEWATCH_MAIL_BACKEND is sendgrid but SENDGRID_API_KEY is not set"
    if backend == "smtp" and not urlsplit(config.smtp_url).hostname:
        return "FIVEWATCH_MAIL_BACKEND is smtp but FIVEWATCH_SMTP_URL names no host"
    if backend not in ("file", "smtp", "sendgrid"):
        return f"unknown FIVEWATCH_MAIL_BACKEND {backend!r}: expected file, smtp or sendgrid"
    return ""
