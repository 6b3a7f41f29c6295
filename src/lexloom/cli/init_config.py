"""`lexloom init_config`: not written yet."""
