"""Subscribers, their subscriptions, the alerts they earned and the emails that carry them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.documents import Change, Document
from models.vocabulary import Frequency


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    # Why the address gets nothing more (a bounce, a spam report...), for the operator.
    suppressed_reason: Mapped[str] = mapped_column(Text, default="")
    # When digests go out, in `timezone`: the hour (0-23) and, for weekly ones, the weekday
    # (0 = Monday).
    digest_hour: Mapped[int] = mapped_column(default=7)
    digest_weekday: Mapped[int] = mapped_column(default=0)
    # Signed into personal feed links; unsubscribing bumps it so links made before stop working.
    feed_version: Mapped[int] = mapped_column(default=0)

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="subscriber")

    def unsubscribe(self, now: datetime) -> None:
        """Stop all mail from `now` (if not stopped already); revoke every feed link made so far."""
        if self.unsubscribed_at is None:
            self.unsubscribed_at = now
            self.feed_version += 1

    @property
    def can_receive(self) -> bool:
        return (
            self.confirmed_at is not None
            and self.unsubscribed_at is None
            and self.bounced_at is None
        )


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    query: Mapped[str] = mapped_column(Text, default="")
    jurisdictions: Mapped[list[str]] = mapped_column(default=list)  # empty = all five
    doc_types: Mapped[list[str]] = mapped_column(default=list)  # empty = bills and statements
    frequency: Mapped[str] = mapped_column(String(16), default=Frequency.IMMEDIATE)
    include_events: Mapped[bool] = mapped_column(default=True)  # stage changes, not only new docs
    # Term alerts: a new text version alerts when one of the query's terms appears in or
    # disappears from the bill's text since the version before it (alerts.textterms).
    text_terms: Mapped[bool] = mapped_column(default=False)
    followed_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE")
    )
    # A chat or webhook destination, by its name in config (its URL is a secret, kept out of
    # the database); "" for none. `by_email` False: the destination only.
    channel: Mapped[str] = mapped_column(String(64), default="")
    by_email: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
    followed_document: Mapped[Document | None] = relationship()


class Delivery(Base):
    """One email in the outbox: the unit that is claimed, sent and recorded."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="alerts")  # confirmation | admin
    # '' for email, else the configured chat or webhook destination it goes to.
    channel: Mapped[str] = mapped_column(String(64), default="")
    # A channel delivery whose subscriptions also email: its alerts are carried by this email
    # delivery (an alert has one delivery_id) and sent from it (alerts.channels).
    copy_of_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    # pending -> sending -> sent | failed ; "uncertain" when the provider's answer was lost
    # "held": content could not be rendered or was refused; kept and tried again after a backoff
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    provider: Mapped[str] = mapped_column(String(32), default="")
    provider_message_id: Mapped[str] = mapped_column(String(200), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    subscriber: Mapped[Subscriber] = relationship()
    alerts: Mapped[list[Alert]] = relationship(back_populates="delivery")
    copy_of: Mapped[Delivery | None] = relationship(remote_side=[id])


class DeliveryEvent(Base):
    """A provider's report about an address (bounce, spam report...), kept once per event id
    so a replayed webhook changes nothing."""

    __tablename__ = "delivery_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)  # lower-cased
    event: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """A subscription matched a change. Unique per pair, so re-matching adds nothing."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("subscription_id", "change_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    matched_terms: Mapped[list[str]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")  # why, in words: "matched …", "followed"
    snippet: Mapped[str] = mapped_column(Text, default="")  # plain text, terms wrapped in [[ ]]
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True
    )

    subscription: Mapped[Subscription] = relationship()
    change: Mapped[Change] = relationship()
    delivery: Mapped[Delivery | None] = relationship(back_populates="alerts")
