"""us-congress-bills: US bills and their actions from the Congress.gov API v3.

- API: https://api.congress.gov/v3/bill (docs: github.com/LibraryOfCongress/api.congress.gov).
- Key: api.data.gov key from the CONGRESS_API_KEY setting (DEMO_KEY by default), sent in the
  `X-Api-Key` header (api.data.gov developer manual) rather than as `api_key=`: a header never
  reaches a logged URL, a cassette, `response.url` or an item, and `pagination.next` links need
  nothing re-appended.
- Incremental: `sort=updateDate+desc` with a LITERAL `+` (the recorded `%2B` request came back
  ascending) and `fromDateTime` = the watermark; paging follows `pagination.next`. Without a
  watermark (first run) the window is FIRST_RUN_DAYS before the newest update listed.
- Per changed bill: detail, then /actions, /summaries, /text, /subjects, every page of each.
  A part that fails (a declared gap, an error) is skipped; the bill is still stored from what
  arrived, and from the list entry alone when even the detail fails.
- Rate limit: 5,000 requests an hour per key (DEMO_KEY: 30), announced in x-ratelimit-limit /
  -remaining. Requests are spaced to the hourly limit and the run stops, as an error so the
  watermark stays put, when fewer than RATE_RESERVE remain. 429s: the Retry-After middleware.
- Licence: bill data is public domain (17 U.S.C. 105). History: 2026-11: first version.
"""
