"""`lexloom apply`: not written yet."""
