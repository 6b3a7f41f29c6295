"""Pipeline components: one file each, one factory each. Importing this registers them all."""
from . import architectures, lemmatizer, morphologizer, parser, senter, tagger, tok2vec  # noqa: F401
from . import mwt, segmenter  # noqa: F401  (raw text to tokens, sentences and multi-word tokens)
from . import ner, textcat  # noqa: F401  (entities, text categories)
from .base import FACTORY_DEFAULTS, Listener, ModelSpec, TrainablePipe

__all__ = ["FACTORY_DEFAULTS", "Listener", "ModelSpec", "TrainablePipe"]
