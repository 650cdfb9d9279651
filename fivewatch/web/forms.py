"""The subscription form, shared by sign-up and manage (edit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form

from alerts.query import parse
from alerts.subscriptions import checked_name
from fivewatch.web.schemas import MAX_ID
from models import Subscription
from models.vocabulary import DocumentKind, Frequency, Jurisdiction


@dataclass(frozen=True)
class SubscriptionForm:
    email: str = ""
    query: str = ""
    name: str = ""
    jurisdictions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    frequency: str = Frequency.IMMEDIATE
    follow_id: int | None = None
    text_terms: bool = False  # also alert when the query's words appear in or leave a bill's text

    def apply_to(self, subscription: Subscription) -> None:
        """Edit a query subscription; raises QuerySyntaxError for a bad query, ValueError for
        a bad name."""
        if subscription.followed_document_id is None:
            parse(self.query)
            subscription.query = self.query
            subscription.jurisdictions = list(self.jurisdictions)
            subscription.doc_types = list(self.types)
            subscription.text_terms = self.text_terms
        subscription.name = checked_name(self.name) or subscription.name
        subscription.frequency = self.frequency


def subscription_form(
    email: Annotated[str, Form(max_length=320)] = "",
    query: Annotated[str, Form(max_length=2000)] = "",
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
        name=name,
        jurisdictions=tuple(jurisdiction or ()),
        types=tuple(type or ()),
        frequency=frequency,
        follow_id=follow_id,
        text_terms=text_terms,
    )
