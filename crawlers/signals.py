"""Custom Scrapy signals of the FiveWatch pipelines."""

from __future__ import annotations

# Sent by StorePipeline once records are committed: `documents` (list of Document), the rows
# written for them, detached and readable as committed (not to be read again).
# Anything that needs the stored rows (statement links) listens here, not in process_item:
# the store writes in batches, so a record is not in the database when the next pipeline sees it.
records_stored = object()
