"""Mail headers we add ourselves: RFC 8058 one-click unsubscribe, and internal ones."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Subscription ids travel from the renderer to the backends in this header; backends strip
# it before sending (SendGrid moves it into custom_args for tracking).
SUBSCRIPTION_IDS_HEADER = "X-FiveWatch-Subscription-Ids"

# A header value built from data stays readable in a mail client's list: longer is cut.
MAX_HEADER_CHARS = 200
# Control characters (C0, DEL, C1: LF, CR, VT, FF, NEL...) and the Unicode line and paragraph
# separators (the whole of categories Cc, Zl, Zp): each would split a header (str.splitlines
# breaks on them) or hide in it.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A lone surrogate cannot be encoded in any header.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Plain http is only acceptable while developing on this machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def header_text(value: object, limit: int = MAX_HEADER_CHARS) -> str:
    """Any data as a one-line header value: control characters and line or paragraph
    separators become spaces, runs of whitespace one space, and more than `limit` characters
    end in "…". Every header we fill from data (subjects, display names) goes through here, so
    no title or name can break a header, whatever it holds.
    """
    text = _SURROGATE.sub("\ufffd", _BREAKING.sub(" ", str(value)))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unsubscribe_headers(base_url: str, token: str, mailto: str | None = None) -> dict[str, str]:
    """`List-Unsubscribe` (https link, then mailto) and `List-Unsubscribe-Post` (RFC 8058)."""
    targets = [f"<{unsubscribe_url(base_url, token)}>"]
    if mailto is not None:
        targets.append(f"<mailto:{_checked_address(mailto)}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_url(base_url: str, token: str) -> str:
    """The one-click URL: https required (RFC 8058), http only for localhost."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        raise ValueError(f"unsubscribe links need an https base URL, got {base_url!r}")
    return f"{base_url.rstrip('/')}/unsubscribe/{quote(token, safe='')}"


def _checked_address(mailto: str) -> str:
    local, at, domain = mailto.partition("@")
    if not (local and at and domain) or any(c in mailto for c in " <>,?\r\n"):
        raise ValueError(f"not a plain email address for the mailto unsubscribe: {mailto!r}")
    return mailto
