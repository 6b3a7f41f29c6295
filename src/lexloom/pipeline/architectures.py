"""Registered architectures: what `@architectures = "..."` in a config builds."""
from __future__ import annotations

from functools import partial

from torch import nn

from ..config.registry import registry
from ..models import heads
from ..models.tok2vec import BiLSTMEncoder, MaxoutWindowEncoder, Tok2VecModel
from .base import Listener, ModelSpec
from .features import FeatureExtractor
from .tok2vec import Tok2VecLayer, Tok2VecSpec


@registry.architectures("lexloom.MaxoutWindowEncoder.v1")
def maxout_window_encoder(width: int, depth: int = 4, window_size: int = 1, maxout_pieces: int = 3, dropout: float = 0.1):
    return partial(MaxoutWindowEncoder, width, depth, window_size, maxout_pieces, dropout)


@registry.architectures("lexloom.BiLSTMEncoder.v1")
def bilstm_encoder(width: int, hidden: int = 200, depth: int = 2, dropout: float = 0.2):
    return partial(BiLSTMEncoder, width, hidden, depth, dropout)


@registry.architectures("lexloom.Tok2Vec.v1")
def tok2vec(
    width: int,
    encoder,
    attrs: list[str] = ["NORM", "PREFIX", "SUFFIX", "SHAPE"],  # noqa: B006 (copied below)
    rows: list[int] = [5000, 1000, 2500, 2500],  # noqa: B006
    n_seeds: int = 2,
    embed_width: int = 0,
    dropout: float = 0.1,
) -> Tok2VecSpec:
    attrs, rows = list(attrs), list(rows)

    def build() -> Tok2VecLayer:
        extractor = FeatureExtractor(attrs, rows, n_seeds)
        model = Tok2VecModel(rows, width, encoder(), embed_width=embed_width or None, dropout=dropout)
        return Tok2VecLayer(extractor, model)

    return Tok2VecSpec(width, build)


@registry.architectures("lexloom.Tok2VecListener.v1")
def tok2vec_listener(width: int, upstream: str = "tok2vec") -> Listener:
    return Listener(width, upstream)


@registry.architectures("lexloom.Tagger.v1")
def tagger_model(tok2vec, hidden: int = 0, dropout: float = 0.1) -> ModelSpec:
    """A softmax over labels per token, optionally behind one hidden layer."""
    return ModelSpec(tok2vec, partial(heads.TokenClassifier, hidden=hidden, dropout=dropout))


