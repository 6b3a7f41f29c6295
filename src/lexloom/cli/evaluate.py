"""`lexloom evaluate`: not written yet."""
