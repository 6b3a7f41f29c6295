"""Registered architectures: what `@architectures = "..."` in a config builds."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

from torch import nn

from ..config.registry import registry
from ..models import heads
from ..models.tok2vec import BiLSTMEncoder, CharCNN, MaxoutWindowEncoder, Tok2VecModel
from .base import Listener, ModelSpec
from .features import CharExtractor, FeatureExtractor, KnownFeatures
from .tok2vec import Tok2VecLayer, Tok2VecSpec
from .vectors import StaticVectors


@registry.architectures("lexloom.MaxoutWindowEncoder.v1")
def maxout_window_encoder(width: int, depth: int = 4, window_size: int = 1, maxout_pieces: int = 3, dropout: float = 0.1):
    return partial(MaxoutWindowEncoder, width, depth, window_size, maxout_pieces, dropout)


@registry.architectures("lexloom.BiLSTMEncoder.v1")
def bilstm_encoder(width: int, hidden: int = 200, depth: int = 2, dropout: float = 0.2, all_layers: bool = False):
    return partial(BiLSTMEncoder, width, hidden, depth, dropout, all_layers)


class CharsSpec:
    """What `lexloom.CharCNN.v1` resolves to: how to make the character rows of words and the
    model that reads them."""

    def __init__(self, extractor: Callable[[], CharExtractor], model: Callable[[], CharCNN]):
        self.extractor = extractor
        self.model = model


@registry.architectures("lexloom.CharCNN.v1")
def char_cnn(width: int = 128, char_width: int = 32, window: int = 3, n_chars: int = 16, rows: int = 1024) -> CharsSpec:
    """Word vectors `width` wide from the words' characters (the first and last `n_chars // 2`
    of each): `char_width`-wide character embeddings in a table of `rows`, a convolution over
    `window` characters, max-pooled. For `lexloom.Tok2Vec.v1`'s `chars`."""
    CharExtractor(n_chars, rows)  # checks the settings before any training starts
    return CharsSpec(partial(CharExtractor, n_chars, rows), partial(CharCNN, rows, width, char_width, window))


# Hashed features that stand for the whole word, which word dropout removes.
WORD_FEATURES = ("NORM", "LOWER", "ORTH")


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
    chars: CharsSpec | None = None,
    word_dropout: float = 0.0,
    piece_length: int = 0,
    min_word_freq: int = 0,
    drop_unseen: list[str] = [],  # noqa: B006 (copied below)
) -> Tok2VecSpec:
    """Hashed embeddings of lexical features, plus static word vectors read from the text
    file `vectors` (its first `vectors_rows` words; 0 = all) when given, plus word vectors
    from the words' characters (`chars`, e.g. `lexloom.CharCNN.v1`) when given, then
    `encoder`. `word_dropout`: in training, the share of tokens whose whole-word features
    (NORM, LOWER, ORTH) are dropped, so that the rest (affixes, shape, characters) learns
    to stand in for them, as it must for unseen words. `piece_length`: the encoder reads each
    Doc in pieces of consecutive sentences of at most this many tokens; set it to the
    training corpus's `max_length`, so that inference reads the sequences training read and
    a long document costs no more per token than a short one (0: whole Docs). `min_word_freq`:
    at inference, a word whose whole-word features were seen fewer times in the training data
    is read without them, as word dropout taught the model to read words (0: every word keeps
    them; it needs `word_dropout`). `drop_unseen`: other features (e.g. ["SUFFIX"]) whose
    value never occurred in the training data are dropped at inference, where their hashed
    rows would read as another value's."""
    if piece_length < 0:
        raise ValueError(f"piece_length must be 0 (whole Docs) or positive, not {piece_length}")
    if min_word_freq < 0:
        raise ValueError(f"min_word_freq must be 0 (off) or positive, not {min_word_freq}")
    attrs, rows = list(attrs), list(rows)
    word_features = tuple(i for i, a in enumerate(attrs) if a in WORD_FEATURES)
    if word_dropout and not word_features:
        raise ValueError(f"word_dropout needs a whole-word feature ({', '.join(WORD_FEATURES)}) among attrs {attrs}")
    if min_word_freq and not word_dropout:
        raise ValueError("min_word_freq needs word_dropout: without it the model never learns to read a word without its whole-word features")
    drop_unseen = list(drop_unseen)
    if set(drop_unseen) - set(attrs) or set(drop_unseen) & set(WORD_FEATURES):
        raise ValueError(f"drop_unseen names features among attrs {attrs} other than {', '.join(WORD_FEATURES)} (min_word_freq is theirs), not {drop_unseen}")
    min_freq = [min_word_freq if i in word_features else int(a in drop_unseen) for i, a in enumerate(attrs)]

    def build(saved: Path | None = None) -> Tok2VecLayer:
        if saved is not None:
            table = StaticVectors.load_keys(saved)
            known = KnownFeatures.load(saved)
        else:
            table = StaticVectors.from_file(vectors, vectors_rows) if vectors else None
            known = KnownFeatures(attrs, min_freq) if any(min_freq) else None
        extractor = FeatureExtractor(attrs, rows, n_seeds)
        pretrained_width = table.dim if table is not None else 0
        model = Tok2VecModel(
            rows, width, encoder(), embed_width=embed_width or None, dropout=dropout, pretrained_width=pretrained_width,
            chars=chars.model() if chars is not None else None, word_dropout=word_dropout, word_features=word_features,
        )
        return Tok2VecLayer(extractor, model, table, chars.extractor() if chars is not None else None, piece_length, known)

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


