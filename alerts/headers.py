"""Mail headers we add ourselves: RFC 8058 one-click unsubscribe, and internal ones."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

# Subscription ids travel from the renderer to the backends in this header; backends strip
# it before sending (SendGrid moves it into custom_args for tracking).
SUBSCRIPTION_IDS_HEADER = "X-FiveWatch-Subscription-Ids"

# Plain http is only acceptable while developing on this machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


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
