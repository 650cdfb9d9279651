"""Every link our emails carry, signed per purpose: confirm, manage, unsubscribe.

The web app serves `{base_url}/confirm/{token}`, `/manage/{token}` and `/unsubscribe/{token}`
(a GET shows a page, the one-click POST acts), so these are the only shapes we build.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from alerts.headers import unsubscribe_headers, unsubscribe_url
from alerts.tokens import Purpose, make_token


class MissingSecretKey(ValueError):
    """Signed links need FIVEWATCH_SECRET_KEY; without it no confirmation can be sent."""


@dataclass(frozen=True)
class Links:
    base_url: str
    secret_key: str
    mailto: str | None = None  # the List-Unsubscribe mailto, when one is read

    def _token(self, purpose: Purpose, object_id: int) -> str:
        if not self.secret_key:
            raise MissingSecretKey(
                f"FIVEWATCH_SECRET_KEY is not set: cannot sign the {purpose} link"
            )
        return make_token(self.secret_key, purpose, object_id)

    def _signed(self, purpose: Purpose, object_id: int) -> str:
        token = quote(self._token(purpose, object_id), safe="")
        return f"{self.root}/{purpose.value}/{token}"

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")

    def confirm(self, subscription_id: int) -> str:
        return self._signed(Purpose.CONFIRM, subscription_id)

    def manage(self, subscriber_id: int) -> str:
        return self._signed(Purpose.MANAGE, subscriber_id)

    def document(self, document_id: int) -> str:
        return f"{self.root}/documents/{document_id}"

    def unsubscribe_url_and_headers(self, subscriber_id: int) -> tuple[str, dict[str, str]]:
        """The unsubscribe link (https required by RFC 8058; plain http only on localhost) and
        the RFC 8058 headers (List-Unsubscribe, https then mailto), from one signed token."""
        token = self._token(Purpose.UNSUBSCRIBE, subscriber_id)
        return (
            unsubscribe_url(self.base_url, token),
            unsubscribe_headers(self.base_url, token, self.mailto),
        )
