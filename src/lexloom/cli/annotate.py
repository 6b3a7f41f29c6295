"""`lexloom annotate`: not written yet."""
