"""Pipeline components: one file each, one factory each. Importing this registers them all."""
from . import architectures, lemmatizer, morphologizer, parser, senter, tagger, tok2vec  # noqa: F401
from . import mwt, segmenter  # noqa: F401  (raw text to tokens, sentences and multi-word tokens)
from . import ner, textcat  # noqa: F401  (entities, text categories)
from . import entity_ruler, merge, sentencizer, span_ruler  # noqa: F401  (rule-based, written with the public API only)
from .base import DataProblem, FunctionComponent, Listener, ModelSpec, Pipe, TrainablePipe, default_tok2vec
from .factories import FactoryMeta, component, factory, get_factory_meta

__all__ = [
    "DataProblem", "FactoryMeta", "FunctionComponent", "Listener", "ModelSpec", "Pipe", "TrainablePipe",
    "component", "default_tok2vec", "factory", "get_factory_meta",
]
