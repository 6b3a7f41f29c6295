"""`lexloom package`: not written yet."""
