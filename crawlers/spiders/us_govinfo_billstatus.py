"""us-govinfo-billstatus: US bills from GovInfo's BILLSTATUS bulk data (no key needed).

- Sitemap index: https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml, one
  sitemap per congress and bill type, each listing its BILLSTATUS-{congress}{type}{number}.xml
  files with their `lastmod`; docs: https://github.com/usgpo/bill-status (README, User Guide).
- Incremental: only sitemaps, then files, whose `lastmod` is after the watermark. Without one
  (first run) the window is FIRST_RUN_DAYS before the newest `lastmod` the index shows, so a
  first run is bounded and does not depend on the clock.
- Formats: 3.0.0 (`<version>`, `number`/`type`) and the legacy one (`billNumber`/`billType`,
  summaries under `billSummaries`), both turned into the Congress.gov JSON shape first.
- Updates: current congress every 4 hours, earlier ones daily. Licence: public domain
  (17 U.S.C. 105, stated in each file's dublinCore).
- History: 2026-11: first version.
"""
