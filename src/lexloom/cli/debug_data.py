"""`lexloom debug_data`: not written yet."""
