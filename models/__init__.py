"""FiveWatch's storage: SQLAlchemy models, sessions and migrations. Imports nothing of ours."""

from models.base import Base, utcnow
from models.document_links import DocumentLink
from models.documents import BillEvent, BillText, Change, Checkpoint, Document, DocumentVersion
from models.incidents import Incident
from models.sources import CrawlRun, Source
from models.subscribers import Alert, Delivery, DeliveryEvent, Subscriber, Subscription

__all__ = [
    "Alert",
    "Base",
    "BillEvent",
    "BillText",
    "Change",
    "Checkpoint",
    "CrawlRun",
    "Delivery",
    "DeliveryEvent",
    "Document",
    "DocumentLink",
    "DocumentVersion",
    "Incident",
    "Source",
    "Subscriber",
    "Subscription",
    "utcnow",
]
