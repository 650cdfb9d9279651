"""The `sendgrid` client's HTTP layer (python_http_client) over one kept-alive connection.

python_http_client sends every request through a new urllib opener, so every POST pays for
building the opener and for a new TCP (and TLS) connection, closed after the answer.
KeepAliveClient is the same Client making the same request (URL, headers, JSON body, its
Response and exceptions): `post` builds it as the Client does, minus the opener it would not
use, and the documented seam `_make_request` sends it over one persistent http.client
connection, reopened when the server has closed it. Failures surface as urllib surfaces them,
which the SendGrid backend relies on: a request that never got out (connect or write failed) is
a URLError; a lost answer is the OSError or HTTPException itself; a non-2xx status is
python_http_client's HTTPError. With a proxy set for the host, the client's own path is used.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import select
import socket
import threading
import urllib.error
import urllib.request
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import python_http_client
from python_http_client.client import Response
from python_http_client.exceptions import handle_error


class KeepAliveClient(python_http_client.Client):  # type: ignore[misc]  # untyped library
    """A python_http_client.Client for one endpoint (e.g. `mail/send`) on one connection."""

    def __init__(
        self, host: str, *, request_headers: dict[str, str], version: int, url_path: list[str]
    ) -> None:
        super().__init__(
            host=host, request_headers=request_headers, version=version, url_path=url_path
        )
        # Set before any other attribute is read: Client.__getattr__ builds sub-clients.
        self._connection = _Connection()
        self._direct = not _proxied(host)

    def close(self) -> None:
        self._connection.close()

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
        answer = self._connection.exchange(request, timeout or self.timeout)
        if not 200 <= answer.status < 300:
            raise _refusal(request, answer)
        return answer


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


class _Connection:
    """One persistent connection to one origin; one request at a time (a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._http: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int] = ("", "", 0)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()

    def exchange(self, request: urllib.request.Request, timeout: float | None) -> _Answer:
        with self._lock:
            connection = self._ready(request, timeout)
            try:
                connection.request(
                    request.get_method(), request.selector, request.data, _headers(request)
                )
            except OSError as error:  # as urllib: the request did not get out
                connection.close()
                raise urllib.error.URLError(error) from None
            try:
                response = connection.getresponse()
                return _Answer(response.status, response.reason, response.msg, response.read())
            except BaseException:
                connection.close()  # a late answer must never be read as the next one's
                raise

    def _ready(
        self, request: urllib.request.Request, timeout: float | None
    ) -> http.client.HTTPConnection:
        """The open connection, or a new one (first use, another origin, after a fork)."""
        origin = (request.type, request.host, os.getpid())
        if self._http is None or origin != self._origin:
            self._http, self._origin = _connection_for(request, timeout), origin
        connection = self._http
        connection.timeout = timeout
        if connection.sock is not None:
            if _dropped(connection.sock):
                connection.close()  # the next request reconnects
            else:
                connection.sock.settimeout(timeout)
        return connection


def _connection_for(
    request: urllib.request.Request, timeout: float | None
) -> http.client.HTTPConnection:
    if request.type == "https":  # certificates verified, as urllib's default HTTPS handler does
        return http.client.HTTPSConnection(request.host, timeout=timeout)
    return http.client.HTTPConnection(request.host, timeout=timeout)


def _headers(request: urllib.request.Request) -> dict[str, str]:
    """The request's headers as urllib sends them (Title-Case); http.client adds Host and
    Content-Length, and the connection stays open (no `Connection: close`)."""
    headers = {**request.headers, **request.unredirected_hdrs}
    return {name.title(): value for name, value in headers.items()}


def _dropped(sock: socket.socket) -> bool:
    """An idle kept-alive socket that is readable was closed by the server (or is out of step)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


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
