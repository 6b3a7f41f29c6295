"""`lexloom train`: not written yet."""
