"""`lexloom project`: not written yet."""
