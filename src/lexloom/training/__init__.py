"""Training: corpus readers, batchers, schedules, the optimizer, the loop and its logger.

Importing the package registers the readers, batchers, schedules, optimizers and loggers.
"""
from . import batchers, corpus, logger, optimizer, schedules  # noqa: F401
# the names spaCy users import from spacy.training
from ..tokens import (  # noqa: F401
    Example, biluo_tags_to_offsets, biluo_tags_to_spans, biluo_to_iob, iob_to_biluo, offsets_to_biluo_tags,
)
from .corpus import Corpus  # noqa: F401
