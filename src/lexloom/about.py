__title__ = "lexloom"
__version__ = "0.1.0"
