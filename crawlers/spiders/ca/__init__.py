"""Canadian sources: LEGISinfo (Parliament of Canada) and the Canada News Centre."""
