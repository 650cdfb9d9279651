"""Australian sources: APH bills, ParlInfo Hansard, ministers' media releases."""
