"""`lexloom pretrain`: not written yet."""
