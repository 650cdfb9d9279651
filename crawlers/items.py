"""The items spiders yield ARE the store's records: one definition, in models.records."""

from models.records import BILL, STATEMENT, DocumentRecord, EventRecord

__all__ = ["BILL", "STATEMENT", "DocumentRecord", "EventRecord"]
