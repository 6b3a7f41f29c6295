"""`lexloom convert`: not written yet."""
