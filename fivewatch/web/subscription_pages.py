"""Subscribe (double opt-in), confirm, manage, one-click unsubscribe, personal Atom feeds.

Every answer to a sign-up is the same whether the address is known or not; new
subscriptions stay inactive until their confirm link is used, so nobody can switch on
alerts for someone else's address.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from alerts.deliver import queue_confirmation
from alerts.delivery_record import DELIVERY_RECORD_COLUMNS, delivery_record
from alerts.query import QuerySyntaxError
from alerts.subscriptions import (
    follow,
    normalise_email,
    sign_up_allowed,
    split_query,
    subscribe,
)
from alerts.tokens import (
    ExpiredToken,
    Purpose,
    TokenError,
    make_feed_token,
    make_token,
    read_feed_token,
    read_token,
)
from fivewatch.mailer import send_due
from fivewatch.web import queries
from fivewatch.web.downloads import csv_download, json_download
from fivewatch.web.forms import (
    DigestTimes,
    SubscriptionForm,
    digest_times_form,
    subscription_form,
)
from fivewatch.web.next_mail import next_mail
from fivewatch.web.preview import query_warnings, recent_matches
from fivewatch.web.schemas import MAX_ID, RowId
from fivewatch.web.security import link_key, rate_limited, require_csrf
from fivewatch.web.state import SessionDep, StateDep, WebState, render
from models import Subscriber, Subscription, utcnow
from models.vocabulary import DocumentKind, Jurisdiction

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
# CSRF is listed before a limit wherever both apply: a forged post spends nobody's budget.
CSRF = [Depends(require_csrf)]
SIGN_UP_LIMIT = [Depends(rate_limited("subscribe"))]
TOKEN_LIMIT = [Depends(rate_limited("token", key=link_key))]
FEED_ENTRIES = 50


def _token(state: WebState, purpose: Purpose, object_id: int) -> str:
    return make_token(state.config.secret_key, purpose, object_id)


def _read(state: WebState, purpose: Purpose, token: str) -> int:
    try:
        return read_token(state.config.secret_key, purpose, token)
    except TokenError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None


def feed_token(state: WebState, subscription: Subscription) -> str:
    """A feed link bound to its subscriber's feed version: unsubscribing revokes it."""
    version = subscription.subscriber.feed_version
    return make_feed_token(state.config.secret_key, subscription.id, version)


def _feed_subscription(session: SessionDep, state: WebState, token: str) -> Subscription:
    """The feed's subscription; 404 for a forged link, 410 for an expired or revoked one."""
    try:
        subscription_id, version = read_feed_token(
            state.config.secret_key, token, state.feed_max_age
        )
    except ExpiredToken as error:
        raise HTTPException(
            status.HTTP_410_GONE, f"{error}: take a fresh one from your manage page"
        ) from None
    except TokenError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such feed") from None
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such feed")
    subscriber = subscription.subscriber
    if subscriber.unsubscribed_at is not None or version != subscriber.feed_version:
        raise HTTPException(status.HTTP_410_GONE, "This feed stopped when its address unsubscribed")
    return subscription


@router.get("/subscribe")
def subscribe_page(
    request: Request,
    session: SessionDep,
    follow_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str, Query(max_length=2000)] = "",
    jurisdiction: Annotated[list[Jurisdiction] | None, Query()] = None,
    type: Annotated[list[DocumentKind] | None, Query()] = None,
    topic: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The sign-up form; a search's "Alert me on this search" fills it with the search's
    query, jurisdictions, types and topic (its own parameter names)."""
    bill = queries.document_or_404(session, follow_id) if follow_id else None
    form = SubscriptionForm(
        query=q,
        topics=tuple(topic or ()),
        jurisdictions=tuple(jurisdiction or ()),
        types=tuple(type or ()),
        follow_id=follow_id,
    )
    # A blank zone: the page's script puts the browser's in (see digest_times_form).
    times = DigestTimes(timezone="")
    return render(request, "subscribe.html", {"form": form, "times": times, "bill": bill})


@router.post("/subscribe/preview", dependencies=CSRF)
def subscribe_preview(
    request: Request,
    session: SessionDep,
    form: Annotated[SubscriptionForm, Depends(subscription_form)],
    times: Annotated[DigestTimes, Depends(digest_times_form)],
) -> Response:
    """Before subscribing: what the query would have matched lately, and its warnings; the
    page's "Confirm and subscribe" posts the same form to /subscribe. Nothing is stored."""
    context: dict[str, Any] = {"form": form, "times": times, "bill": None}
    try:
        context["preview"] = recent_matches(session, form, utcnow().date())
    except (QuerySyntaxError, ValueError) as error:
        context["error"] = error
        return render(request, "subscribe.html", context, status_code=400)
    context["warnings"] = query_warnings(form.query)
    return render(request, "subscribe.html", context)


def _follow(session: SessionDep, form: SubscriptionForm, follow_id: int) -> Subscription:
    """Follow a bill; a new (or paused) follow waits for its confirm link like any sign-up."""
    document = queries.document_or_404(session, follow_id)
    was_active = session.scalar(
        select(Subscription.active)
        .join(Subscriber)
        .where(
            Subscriber.email == normalise_email(form.email),
            Subscription.followed_document_id == document.id,
        )
    )
    subscription = follow(session, email=form.email, document=document)
    subscription.active = bool(was_active)
    return subscription


def _create(session: SessionDep, form: SubscriptionForm, times: DigestTimes) -> Subscription | None:
    """The new (or re-followed) subscription, or None past the address's pending cap."""
    times.check()  # a bad zone is the form's error whether the address is known or not
    if not sign_up_allowed(session, form.email, utcnow()):
        return None
    subscription = _subscribe_or_follow(session, form)
    # Anyone can type an address: only its manage page changes a confirmed reader's times.
    if subscription.subscriber.confirmed_at is None:
        times.apply_to(subscription.subscriber)
    return subscription


def _subscribe_or_follow(session: SessionDep, form: SubscriptionForm) -> Subscription:
    if form.follow_id:
        return _follow(session, form, form.follow_id)
    subscription = subscribe(
        session,
        email=form.email,
        query=form.stored_query,
        name=form.name,
        jurisdictions=form.jurisdictions,
        doc_types=form.types,
        frequency=form.frequency,
        text_terms=form.text_terms,
    )
    subscription.active = False  # until its confirm link is used
    return subscription


@router.post("/subscribe", dependencies=[*CSRF, *SIGN_UP_LIMIT])
def subscribe_submit(
    request: Request,
    session: SessionDep,
    state: StateDep,
    form: Annotated[SubscriptionForm, Depends(subscription_form)],
    times: Annotated[DigestTimes, Depends(digest_times_form)],
) -> Response:
    try:
        subscription = _create(session, form, times)
    except (QuerySyntaxError, ValueError) as error:
        context = {"form": form, "times": times, "error": error, "bill": None}
        context["warnings"] = query_warnings(form.query) if form.follow_id is None else []
        return render(request, "subscribe.html", context, status_code=400)
    if subscription is None:  # the same answer as ever: nothing says the cap was reached
        return render(request, "check_email.html", {})
    _send_confirmation(session, state, subscription.subscriber_id)
    return render(request, "check_email.html", {})


def _send_confirmation(session: SessionDep, state: WebState, subscriber_id: int) -> None:
    """Through the outbox like every email, and sent at once: a failure is the outbox's to
    retry (`fivewatch send`, `fivewatch run`), not the reader's to see."""
    queue_confirmation(session, subscriber_id, utcnow())
    session.commit()
    send_due(state.config, state.mailer, state.sessions, subscriber_id=subscriber_id)


@router.get("/confirm/{token}", dependencies=TOKEN_LIMIT)
def confirm_page(request: Request, session: SessionDep, state: StateDep, token: str) -> Response:
    """A GET only shows a button: mail scanners follow links, people press buttons."""
    subscription = _subscription(session, _read(state, Purpose.CONFIRM, token))
    return render(request, "confirm.html", {"subscription": subscription, "token": token})


@router.post("/confirm/{token}", dependencies=[*CSRF, *TOKEN_LIMIT])
def confirm_submit(session: SessionDep, state: StateDep, token: str) -> Response:
    subscription = _subscription(session, _read(state, Purpose.CONFIRM, token))
    subscriber = subscription.subscriber
    subscription.active = True
    subscriber.confirmed_at = subscriber.confirmed_at or utcnow()
    subscriber.unsubscribed_at = None
    session.commit()
    return _to_manage(state, subscriber.id)


def _to_manage(state: WebState, subscriber_id: int) -> Response:
    path = f"/manage/{_token(state, Purpose.MANAGE, subscriber_id)}"
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def _subscription(session: SessionDep, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This subscription no longer exists")
    return subscription


def _subscriber(session: SessionDep, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This address is no longer subscribed")
    return subscriber


@router.get("/manage/{token}", dependencies=TOKEN_LIMIT)
def manage_page(request: Request, session: SessionDep, state: StateDep, token: str) -> Response:
    subscriber = _subscriber(session, _read(state, Purpose.MANAGE, token))
    return _render_manage(request, session, state, subscriber, token)


def _render_manage(
    request: Request,
    session: SessionDep,
    state: WebState,
    subscriber: Subscriber,
    token: str,
    refused: tuple[DigestTimes, ValueError] | None = None,
) -> Response:
    """The manage page; `refused`: digest times sent back to be corrected, and why."""
    times, error = refused or (DigestTimes.of(subscriber), None)
    feeds = {sub.id: feed_token(state, sub) for sub in subscriber.subscriptions}
    # Each query as the form shows it: its words, its picked topics, the words' warnings.
    edits = {sub.id: split_query(sub.query or "") for sub in subscriber.subscriptions}
    context = {
        "subscriber": subscriber,
        "token": token,
        "feeds": feeds,
        "edits": edits,
        "warnings": {sub_id: query_warnings(words) for sub_id, (words, _) in edits.items()},
        "unsubscribe": _token(state, Purpose.UNSUBSCRIBE, subscriber.id),
        "times": times,
        "error": error,
        "deliveries": delivery_record(session, subscriber.id),
        "next_mail": next_mail(session, state.config, subscriber, utcnow()),
    }
    return render(request, "manage.html", context, status_code=400 if error else 200)


@router.post("/manage/{token}/times", dependencies=[*CSRF, *TOKEN_LIMIT])
def manage_times(
    request: Request,
    session: SessionDep,
    state: StateDep,
    token: str,
    times: Annotated[DigestTimes, Depends(digest_times_form)],
) -> Response:
    """The time zone, hour and weekday the address's digests go out at."""
    subscriber = _subscriber(session, _read(state, Purpose.MANAGE, token))
    try:
        times.apply_to(subscriber)
    except ValueError as error:
        return _render_manage(request, session, state, subscriber, token, (times, error))
    session.commit()
    return _to_manage(state, subscriber.id)


def _exported_record(session: SessionDep, state: WebState, token: str) -> list[dict[str, Any]]:
    subscriber = _subscriber(session, _read(state, Purpose.MANAGE, token))
    return [row.export() for row in delivery_record(session, subscriber.id)]


# The columns of `fivewatch deliveries EMAIL --format csv|json` (alerts.delivery_record).
@router.get("/manage/{token}/deliveries.csv", dependencies=TOKEN_LIMIT)
def deliveries_csv(session: SessionDep, state: StateDep, token: str) -> Response:
    rows = _exported_record(session, state, token)
    return csv_download(rows, DELIVERY_RECORD_COLUMNS, "fivewatch-deliveries")


@router.get("/manage/{token}/deliveries.json", dependencies=TOKEN_LIMIT)
def deliveries_json(session: SessionDep, state: StateDep, token: str) -> Response:
    return json_download(_exported_record(session, state, token), "fivewatch-deliveries")


def _owned(session: SessionDep, subscriber: Subscriber, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.subscriber_id != subscriber.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such subscription")
    return subscription


@router.post("/manage/{token}/subscriptions/{subscription_id}", dependencies=[*CSRF, *TOKEN_LIMIT])
def manage_submit(
    request: Request,
    session: SessionDep,
    state: StateDep,
    token: str,
    subscription_id: RowId,
    action: Annotated[str, Form(pattern="^(save|pause|resume|delete)$")],
    form: Annotated[SubscriptionForm, Depends(subscription_form)],
) -> Response:
    """Edit the query, filters and frequency; pause, resume or delete one subscription."""
    subscriber = _subscriber(session, _read(state, Purpose.MANAGE, token))
    subscription = _owned(session, subscriber, subscription_id)
    try:
        _apply(session, subscription, action, form)
    except (QuerySyntaxError, ValueError) as error:
        session.rollback()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    session.commit()
    return _to_manage(state, subscriber.id)


def _apply(
    session: SessionDep, subscription: Subscription, action: str, form: SubscriptionForm
) -> None:
    if action == "delete":
        session.delete(subscription)
    elif action in ("pause", "resume"):
        subscription.active = action == "resume"
    else:
        form.apply_to(subscription)


@router.get("/unsubscribe/{token}", dependencies=TOKEN_LIMIT)
def unsubscribe_page(
    request: Request, session: SessionDep, state: StateDep, token: str
) -> Response:
    """A GET never unsubscribes (scanners follow links): it shows the one button that does."""
    subscriber = _subscriber(session, _read(state, Purpose.UNSUBSCRIBE, token))
    return render(
        request, "unsubscribe.html", {"subscriber": subscriber, "token": token, "done": False}
    )


@router.post("/unsubscribe/{token}", dependencies=TOKEN_LIMIT)
def unsubscribe_submit(
    request: Request, session: SessionDep, state: StateDep, token: str
) -> Response:
    """RFC 8058 one-click: authorised by the signed token in the URL, so no CSRF field."""
    subscriber = _subscriber(session, _read(state, Purpose.UNSUBSCRIBE, token))
    subscriber.unsubscribe(utcnow())
    session.commit()
    return render(
        request, "unsubscribe.html", {"subscriber": subscriber, "token": token, "done": True}
    )


@router.get("/feeds/{token}.atom", dependencies=TOKEN_LIMIT)
def atom_feed(request: Request, session: SessionDep, state: StateDep, token: str) -> Response:
    """The subscription's newest alerts as Atom, for people who prefer a feed reader."""
    subscription = _feed_subscription(session, state, token)
    context = {
        "subscription": subscription,
        "alerts": queries.subscription_alerts(session, subscription.id, FEED_ENTRIES),
        "base_url": state.config.base_url.rstrip("/"),
        "self_url": str(request.url),
    }
    response = render(request, "feed.xml", context)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response
