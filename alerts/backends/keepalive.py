"""The `sendgrid` client's HTTP layer (python_http_client) over urllib3's kept-alive pool.

python_http_client sends every request through a new urllib opener, so every POST pays for
building the opener and for a new TCP (and TLS) connection, closed after the answer.
KeepAliveClient is the same Client making the same request (URL, headers, JSON body, its
Response and exceptions): `post` builds it as the Client does, minus the opener it would not
use, and the documented seam `_make_request` sends it through a urllib3 pool of one connection
(reused, and reopened when the server has closed it). urllib3 never retries or redirects here.
Failures surface as urllib surfaces them, which the SendGrid backend relies on: a connection
that could not be made (refused, timed out, TLS refused) is a URLError, nothing was sent; any
later failure is an OSError, the request may have arrived and its answer is lost; a non-2xx
status is python_http_client's HTTPError. With a proxy set for the host, the client's own path
is used.
"""

from __future__ import annotations

import http.client
import io
import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, cast
from urllib.parse import urlsplit

import python_http_client
import urllib3
from python_http_client.client import Response
from python_http_client.exceptions import handle_error
from urllib3.exceptions import ConnectTimeoutError, HTTPError, SSLError


class KeepAliveClient(python_http_client.Client):  # type: ignore[misc]  # untyped library
    """A python_http_client.Client for one endpoint (e.g. `mail/send`) on one connection."""

    def __init__(
        self, host: str, *, request_headers: dict[str, str], version: int, url_path: list[str]
    ) -> None:
        super().__init__(
            host=host, request_headers=request_headers, version=version, url_path=url_path
        )
        # Set before any other attribute is read: Client.__getattr__ builds sub-clients.
        # Certificates are verified (urllib3's default), as urllib's HTTPS handler does.
        self._pool = _one_connection(self.host)
        self._direct = not _proxied(host)

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        self._pool.close()
        self._pool = _one_connection(self.host)

    def post(self, request_body: Any = None, timeout: float | None = None) -> Response:
        """Client.post with a JSON body, as python_http_client builds it."""
        if not self._direct:  # the client's own path, through the proxy
            return self.__getattr__("post")(request_body=request_body, timeout=timeout)
        self.request_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self._build_url(None),
            headers=self.request_headers,
            data=json.dumps(request_body).encode("utf-8"),
            method="POST",
        )
        return Response(self._make_request(None, request, timeout))

    def _make_request(
        self,
        opener: urllib.request.OpenerDirector | None,
        request: urllib.request.Request,
        timeout: Any,
    ) -> _Answer:
        if not self._direct:
            return super()._make_request(opener, request, timeout=timeout)  # type: ignore[no-any-return]
        answer = self._exchange(request, timeout or self.timeout)
        if not 200 <= answer.status < 300:
            raise _refusal(request, answer)
        return answer

    def _exchange(self, request: urllib.request.Request, timeout: float | None) -> _Answer:
        try:
            response = self._pool.urlopen(
                request.get_method(),
                request.selector,
                body=cast(bytes, request.data),  # post() encodes the JSON body
                headers=_headers(request),
                timeout=timeout,
                retries=False,  # a retry of a request that may have arrived could send twice
                redirect=False,
            )
        except (ConnectTimeoutError, SSLError) as error:  # no connection: nothing was sent
            raise urllib.error.URLError(error.__context__ or error) from None
        except HTTPError as error:  # a read timeout, a reset: it may have arrived, answer lost
            raise OSError(f"{type(error).__name__}: {error}") from None
        return _Answer(response.status, response.reason or "", _message(response), response.data)


def _one_connection(host: str) -> urllib3.HTTPConnectionPool:
    return urllib3.connection_from_url(host, maxsize=1, block=True)


class _Answer:
    """A fully read response, shaped as Response reads a urllib one."""

    def __init__(self, status: int, reason: str, headers: Message, body: bytes) -> None:
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def getcode(self) -> int:
        return self.status

    def read(self) -> bytes:
        return self.body

    def info(self) -> Message:
        return self.headers


def _message(response: urllib3.BaseHTTPResponse) -> Message:
    """The answer's headers as urllib gives them (an http.client message)."""
    headers = http.client.HTTPMessage()
    for name, value in response.headers.items():
        headers[name] = value
    return headers


def _headers(request: urllib.request.Request) -> dict[str, str]:
    """The request's headers as urllib sends them (Title-Case); http.client adds Host and
    Content-Length, and the connection stays open (no `Connection: close`)."""
    headers = {**request.headers, **request.unredirected_hdrs}
    return {name.title(): value for name, value in headers.items()}


def _refusal(request: urllib.request.Request, answer: _Answer) -> Exception:
    """python_http_client's exception for the status, made as its own _make_request makes it."""
    error = urllib.error.HTTPError(
        request.full_url, answer.status, answer.reason, answer.headers, io.BytesIO(answer.body)
    )
    refusal: Exception = handle_error(error)
    refusal.__cause__ = None
    return refusal


def _proxied(host: str) -> bool:
    """Whether urllib would send requests for `host` through a proxy (from the environment)."""
    parts = urlsplit(host)
    proxies = urllib.request.getproxies()
    return parts.scheme in proxies and not urllib.request.proxy_bypass(parts.hostname or "")
