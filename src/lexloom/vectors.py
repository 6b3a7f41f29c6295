"""`from lexloom.vectors import Vectors`, where spaCy users import it from `spacy.vectors`."""
from .tokens.vectors import Vectors  # noqa: F401
