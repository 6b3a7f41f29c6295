"""Registered architectures: what `@architectures = "..."` in a config builds."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from torch import nn

from ..config.registry import registry
from ..models import heads
from ..models.tok2vec import BiLSTMEncoder, MaxoutWindowEncoder, Tok2VecModel
from .base import Listener, ModelSpec
from .features import FeatureExtractor
from .tok2vec import Tok2VecLayer, Tok2VecSpec
from .vectors import StaticVectors


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
    vectors: str | None = None,
    vectors_rows: int = 0,
) -> Tok2VecSpec:
    """Hashed embeddings of lexical features, plus static word vectors read from the text
    file `vectors` (its first `vectors_rows` words; 0 = all) when given, then `encoder`."""
    attrs, rows = list(attrs), list(rows)

    def build(saved: Path | None = None) -> Tok2VecLayer:
        if saved is not None:
            table = StaticVectors.load_keys(saved)
        else:
            table = StaticVectors.from_file(vectors, vectors_rows) if vectors else None
        extractor = FeatureExtractor(attrs, rows, n_seeds)
        pretrained_width = table.dim if table is not None else 0
        model = Tok2VecModel(rows, width, encoder(), embed_width=embed_width or None, dropout=dropout, pretrained_width=pretrained_width)
        return Tok2VecLayer(extractor, model, table)

    return Tok2VecSpec(width, build)


@registry.architectures("lexloom.Transformer.v1")
def transformer(path: str, width: int = 256, max_length: int = 256, stride: int = 64, freeze: bool = False) -> Tok2VecSpec:
    """A Hugging Face transformer read from the local directory `path` (config.json,
    model.safetensors, a fast tokenizer), its wordpieces pooled to tokens and projected to
    `width`. With `freeze`, its weights stay as loaded and only the projection learns."""
    from .transformer import TransformerLayer, load_pretrained, load_saved

    def build(saved: Path | None = None) -> TransformerLayer:
        model, tokenizer = load_saved(saved) if saved is not None else load_pretrained(path)
        if freeze:
            model.requires_grad_(False)
        return TransformerLayer(model, tokenizer, width, max_length=max_length, stride=stride)

    return Tok2VecSpec(width, build)


@registry.architectures("lexloom.Tok2VecListener.v1")
def tok2vec_listener(width: int, upstream: str = "tok2vec") -> Listener:
    return Listener(width, upstream)


@registry.architectures("lexloom.Tagger.v1")
def tagger_model(tok2vec, hidden: int = 0, dropout: float = 0.1) -> ModelSpec:
    """A softmax over labels per token, optionally behind one hidden layer."""
    return ModelSpec(tok2vec, partial(heads.TokenClassifier, hidden=hidden, dropout=dropout))


