"""Fuzzing the edges with hypothesis: arbitrary text (NUL and other control characters, deep
nesting, any Unicode, very long values) at the query parser, the sign-up form and the JSON API
and search pages. The parser raises nothing but QuerySyntaxError; the app answers no 5xx.

Every input here is SYNTHETIC (generated). The app runs in-process on the `db_url` fixture's
databases (SQLite, and PostgreSQL with the `postgres` marker: it refuses NUL in text, so it is
where a missed check shows); the rate limiter is switched off so a 429 never stops a request
before its handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from alerts.monitor import Monitor
from alerts.query import MAX_LENGTH, MatchDocument, QuerySyntaxError, parse
from fivewatch.web import create_app
from models.inputs import bad_character
from tests.web.conftest import Corpus, web_config

EXAMPLES = 200  # per target: each runs in seconds
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Pieces the grammar and the databases care about, so random text reaches them often.
PIECES = [
    *'()"*-|:',
    " ",
    "NOT ",
    " OR ",
    " AND ",
    " NEAR/3 ",
    "NEAR/999999999999 ",
    "title:",
    "jurisdiction:",
    "type:",
    "stage:",
    "number:",
    "online",
    "safety",
    "sécurité",
    "\x00",
    "\x1b[2J",
    "\r\n",
    "\t",
    "\x7f",
    "\x85",
    "\u2028",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "%00",
    "'; DROP TABLE documents; --",
    "<script>",
]
PIECEWISE = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
NESTED = st.tuples(st.integers(0, 600), st.sampled_from(["(", "NOT ", "-(", "title:", "-"])).map(
    lambda pair: pair[1] * pair[0] + "online" + ")" * pair[0] * ("(" in pair[1])
)
# Past every length limit (2,000 for a query), yet within what a URL may carry (httpx: 64 kB).
LONG = st.tuples(st.integers(900, 2100), st.sampled_from(["a", "a ", "(", "\x00", "é"])).map(
    lambda pair: pair[1] * pair[0]
)
# A plausible value with a control character in it (NUL half the time: PostgreSQL refuses it).
CONTROLS = st.sampled_from(["\x00"] * 6 + ["\x01", "\x1b", "\x7f", "\x85", "\n", "\u2028"])
WITH_CONTROL = st.tuples(
    st.sampled_from(["", "online", "passed", "uk", "bill", "2024-01-01", "C-63", "5"]),
    CONTROLS,
    st.sampled_from(["", "safety"]),
).map("".join)
TEXT = st.one_of(WITH_CONTROL, WITH_CONTROL, st.text(max_size=80), PIECEWISE, NESTED, LONG)


@FUZZ
@given(TEXT)
def test_the_parser_accepts_or_raises_its_own_error(text: str) -> None:
    refused: QuerySyntaxError | None = None
    try:
        query = parse(text)
    except QuerySyntaxError as error:  # anything else fails the test
        refused = error
    if refused is not None:
        assert 0 <= refused.position <= len(text)
        assert bad_character(refused.pretty(), allowed="\n") is None
        return
    # What the parser accepts, everything downstream handles: printing, index keys, matching
    # in Python and in the native matcher. (The canonical form adds " AND "s: near the length
    # limit it may be too long to parse back, so it is compared only when it fits.)
    if len(str(query)) <= MAX_LENGTH:
        assert parse(str(query)).root == query.root
    document = MatchDocument(title="online safety", text="online safety sécurité")
    monitor: Monitor[int] = Monitor()
    monitor.add(0, query)
    [found] = monitor.match_batch([document])
    assert found.slots == ([0] if query.match(document) else [])
    assert query.required_groups is not None


@pytest.fixture
def app_client(db_url: str, tmp_path: Path, corpus: Corpus) -> Iterator[TestClient]:
    app = create_app(web_config(db_url, tmp_path / "outbox"))
    app.state.web.limiter.allow = lambda area, key: 0.0  # no 429 in front of the handlers
    with TestClient(app) as client:
        yield client


def assert_no_server_error(client: TestClient, method: str, url: str, **kwargs: object) -> None:
    # TestClient re-raises an unhandled exception, so a crash fails here with its traceback.
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code < 500, (method, url, kwargs, response.text[:500])


def csrf_token(client: TestClient) -> str:
    field = html.fromstring(client.get("/subscribe").text).cssselect("input[name=csrf_token]")[0]
    return str(field.get("value"))


EMAILS = st.one_of(
    TEXT,
    st.tuples(TEXT, TEXT).map(lambda pair: f"{pair[0]}@{pair[1]}.org"),
    st.sampled_from(["reader@example.org", "Reader@Example.ORG "]),
)
# The free-text fields, which reach the handler and the database, three times as often.
SIGN_UP_FIELDS = ["email", "query", "name"] * 3 + ["jurisdiction", "type", "frequency", "follow_id"]
LISTS = ("jurisdiction", "type")


@st.composite
def sign_ups(draw: st.DrawFn) -> dict[str, object]:
    """A sign-up with one or two fields fuzzed, the others valid so that the fuzzed ones reach
    the handler (a new address each time: the per-address cap on pending sign-ups would
    otherwise answer before the fields are looked at)."""
    number = draw(st.integers(0, 10**9))
    fields: dict[str, object] = {"email": f"reader{number}@example.org", "query": "online",
                                 "name": "mine", "jurisdiction": ["uk"], "type": ["bill"],
                                 "frequency": "daily"}  # fmt: skip
    for name in draw(st.lists(st.sampled_from(SIGN_UP_FIELDS), min_size=1, max_size=2)):
        value = draw(EMAILS if name == "email" else TEXT)
        fields[name] = [value] if name in LISTS else value
    return fields


def test_the_sign_up_form_never_answers_5xx(app_client: TestClient) -> None:
    token = csrf_token(app_client)

    @FUZZ
    @given(sign_ups())
    def post(fields: dict[str, object]) -> None:
        data = {"csrf_token": token, **fields}
        assert_no_server_error(app_client, "POST", "/subscribe", data=data)

    post()


SEARCH_PARAMETERS = ["q", "jurisdiction", "type", "stage", "topic", "since", "until", "page"]
API_PARAMETERS = ["limit", "offset"]
GETS = {
    "/search": SEARCH_PARAMETERS,
    "/search/export.json": SEARCH_PARAMETERS,
    "/api/search": SEARCH_PARAMETERS + API_PARAMETERS,
    "/api/documents": ["jurisdiction", "type", *API_PARAMETERS],
    "/api/query-check": ["q"],
    "/compare": ["topic"],
    "/find": ["ref", "jurisdiction"],
}
# Each request fuzzes one parameter and gives the others valid values, so the fuzzed value
# reaches the handler and the database whenever it passes validation (one invalid parameter
# of several would stop the request at a 422 first).
VALID = {"q": "online", "jurisdiction": "uk", "type": "bill", "stage": "passed",
         "topic": "online-safety", "since": "2000-01-01", "until": "2100-01-01", "page": "1",
         "limit": "5", "offset": "0", "ref": "C-63"}  # fmt: skip
PARAMETERS = sorted({name for names in GETS.values() for name in names})
PATHS = ["/api/documents/{}", "/api/bills/{}/history", "/bills/{}", "/statements/{}"]


@st.composite
def requests(draw: st.DrawFn) -> str:
    """A GET of the API or the search pages: a hostile value in one parameter or the path."""
    if draw(st.integers(0, 7)) == 0:
        return draw(st.sampled_from(PATHS)).format(quote(draw(TEXT), safe=""))
    fuzzed = draw(st.sampled_from(PARAMETERS))
    path = draw(st.sampled_from([path for path, names in GETS.items() if fuzzed in names]))
    present = draw(st.lists(st.sampled_from(GETS[path]), unique=True))
    values = {name: VALID[name] for name in present} | {fuzzed: draw(TEXT)}
    return f"{path}?{urlencode(values, quote_via=quote)}"


def test_the_api_and_search_pages_never_answer_5xx(app_client: TestClient) -> None:
    @FUZZ
    @given(requests())
    def get(url: str) -> None:
        assert_no_server_error(app_client, "GET", url)

    get()
