"""New Zealand sources: Parliament bills and Beehive releases."""
