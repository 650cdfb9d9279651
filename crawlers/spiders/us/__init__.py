"""United States sources: Congress.gov API, GovInfo bulk data and texts, executive releases."""
