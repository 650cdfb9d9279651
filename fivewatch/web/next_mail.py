"""What the manage page previews: the next email or notification the address would get.

alerts.preview renders it as a send would, rolled back afterwards. A send now hands over
immediate alerts and a waiting confirmation; when nothing is due now, the next digest is
previewed as its slot would send it (with the alerts known so far).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.delivery_record import format_when
from alerts.preview import PreviewMail, preview_next
from alerts.render import MailContext
from alerts.schedule import next_digest
from fivewatch.config import Config
from fivewatch.mailer import channel_destinations, mail_links
from models import Subscriber
from models.vocabulary import Frequency

DIGESTS = (Frequency.DAILY, Frequency.WEEKLY)


@dataclass(frozen=True)
class NextMail:
    due: datetime | None  # the next digest's slot; None: the next send (now)
    previews: list[PreviewMail]  # empty: nothing would be sent

    @property
    def due_text(self) -> str:
        return "with the next send" if self.due is None else f"at {format_when(self.due)}"


def next_mail(session: Session, config: Config, subscriber: Subscriber, now: datetime) -> NextMail:
    """The first of: what a send at `now` would send it, then each coming digest slot."""
    links, destinations = mail_links(config), channel_destinations(config)
    for moment in (now, *_digest_slots(subscriber, now)):
        previews = preview_next(
            session,
            MailContext(config.mail_from, links, moment),
            subscriber.id,
            destinations=destinations,
        )
        if previews:
            return NextMail(None if moment == now else moment, previews)
    return NextMail(None, [])


def _digest_slots(subscriber: Subscriber, now: datetime) -> list[datetime]:
    """The next slot of each digest frequency its active subscriptions use, soonest first."""
    frequencies = {sub.frequency for sub in subscriber.subscriptions if sub.active}
    return sorted(
        next_digest(
            frequency,
            subscriber.timezone,
            now,
            hour=subscriber.digest_hour,
            weekday=subscriber.digest_weekday,
        )
        for frequency in frequencies.intersection(DIGESTS)
    )
