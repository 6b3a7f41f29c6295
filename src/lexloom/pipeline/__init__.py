"""Pipeline components: one file each, one factory each. Importing this registers them all."""
from . import architectures, lemmatizer, morphologizer, parser, senter, tagger, tok2vec  # noqa: F401
from . import ner, textcat  # noqa: F401  (entities, text categories)
from .base import DataProblem, FunctionComponent, Listener, ModelSpec, Pipe, TrainablePipe
from .factories import FactoryMeta, component, factory, get_factory_meta

__all__ = [
    "DataProblem", "FactoryMeta", "FunctionComponent", "Listener", "ModelSpec", "Pipe", "TrainablePipe",
    "component", "factory", "get_factory_meta",
]
