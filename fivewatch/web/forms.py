"""The subscription form, shared by sign-up and manage (edit), and the digest times form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form

from alerts.query import parse
from alerts.subscriptions import checked_name, checked_timezone, compose_query
from fivewatch.web.schemas import MAX_ID
from models import Subscriber, Subscription
from models.vocabulary import DocumentKind, Frequency, Jurisdiction


@dataclass(frozen=True)
class SubscriptionForm:
    email: str = ""
    query: str = ""  # the words; the stored query adds the picked topics (stored_query)
    topics: tuple[str, ...] = ()  # topic slugs, `any` for any topic
    name: str = ""
    jurisdictions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    frequency: str = Frequency.IMMEDIATE
    follow_id: int | None = None
    text_terms: bool = False  # also alert when the query's words appear in or leave a bill's text

    @property
    def stored_query(self) -> str:
        """The words and picked topics as one query; ValueError for an unknown topic."""
        return compose_query(self.query, self.topics)

    def apply_to(self, subscription: Subscription) -> None:
        """Edit a query subscription; raises QuerySyntaxError for a bad query, ValueError for
        a bad name or topic."""
        if subscription.followed_document_id is None:
            query = self.stored_query
            parse(query)
            subscription.query = query
            subscription.jurisdictions = list(self.jurisdictions)
            subscription.doc_types = list(self.types)
            subscription.text_terms = self.text_terms
        subscription.name = checked_name(self.name) or subscription.name
        subscription.frequency = self.frequency


def subscription_form(
    email: Annotated[str, Form(max_length=320)] = "",
    query: Annotated[str, Form(max_length=2000)] = "",
    topic: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    jurisdiction: Annotated[list[Jurisdiction] | None, Form()] = None,
    type: Annotated[list[DocumentKind] | None, Form()] = None,
    frequency: Annotated[Frequency, Form()] = Frequency.IMMEDIATE,
    follow_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    text_terms: Annotated[bool, Form()] = False,
) -> SubscriptionForm:
    return SubscriptionForm(
        email=email,
        query=query,
        topics=tuple(topic or ()),
        name=name,
        jurisdictions=tuple(jurisdiction or ()),
        types=tuple(type or ()),
        frequency=frequency,
        follow_id=follow_id,
        text_terms=text_terms,
    )


@dataclass(frozen=True)
class DigestTimes:
    """When an address's daily and weekly digests go out, in its own time zone."""

    timezone: str = "UTC"
    hour: int = 7  # models.Subscriber's defaults
    weekday: int = 0  # 0 = Monday

    @classmethod
    def of(cls, subscriber: Subscriber) -> DigestTimes:
        return cls(subscriber.timezone, subscriber.digest_hour, subscriber.digest_weekday)

    def check(self) -> None:
        """ValueError naming the zone when it is not an IANA name ("Australia/Sydney")."""
        checked_timezone(self.timezone)

    def apply_to(self, subscriber: Subscriber) -> None:
        self.check()
        subscriber.timezone = self.timezone
        subscriber.digest_hour = self.hour
        subscriber.digest_weekday = self.weekday


def digest_times_form(
    timezone: Annotated[str, Form(max_length=64)] = "",
    digest_hour: Annotated[int, Form(ge=0, le=23)] = DigestTimes.hour,
    digest_weekday: Annotated[int, Form(ge=0, le=6)] = DigestTimes.weekday,
) -> DigestTimes:
    """A blank zone is UTC: the page fills in the browser's zone, but not without JavaScript."""
    return DigestTimes(timezone.strip() or "UTC", digest_hour, digest_weekday)
