"""Training: corpus readers, batchers, schedules, the optimizer, the loop and its logger.

Importing the package registers the readers, batchers, schedules, optimizers and loggers.
"""
from . import batchers, corpus, logger, optimizer, schedules  # noqa: F401
from ..exports import lazy_exports
# the names spaCy users import from spacy.training
from ..tokens import (  # noqa: F401
    Example, biluo_tags_to_offsets, biluo_tags_to_spans, biluo_to_iob, iob_to_biluo, offsets_to_biluo_tags, tags_to_entities,
)
from .corpus import Corpus  # noqa: F401

# spaCy's `training.docs_to_json` writes a format (convert/), imported on first use; the module
# name is relative, so that a workflow stage that trains does not count it as code it runs.
_REEXPORTS = {"docs_to_json": ("..convert.spacy_json", "docs_to_json")}
__getattr__ = lazy_exports(__name__, _REEXPORTS)
