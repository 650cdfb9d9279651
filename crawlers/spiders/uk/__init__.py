"""United Kingdom sources: the Parliament Bills and statements APIs, GOV.UK."""
