"""The `tok2vec` component: one forward pass per batch, shared with its listeners."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import torch
from torch import nn

from ..models.tok2vec import Tok2VecModel
from ..tokens import Doc, Example
from .base import TrainablePipe, default_tok2vec, learn_words
from .batch import Batch
from .factories import factory
from .features import CharExtractor, FeatureExtractor, KnownFeatures, distinct_orths, doc_orths, norm_overrides
from .vectors import StaticVectors


class Tok2VecLayer(nn.Module):
    """Featurize a Batch's Docs and encode them: (batch, length, width). Static word
    vectors and the words' characters (for a character CNN), when given, join the hashed
    embeddings before the mixing layer. With `piece_length`, the encoder reads each Doc in
    pieces of consecutive sentences of at most that many tokens (`Doc.pieces`), as the
    training corpus cuts them. With `known` (learned from the training data by `learn_words`),
    inference drops the features whose values are not known from training, as word dropout
    drops whole-word features in training."""

    def __init__(
        self, extractor: FeatureExtractor, model: Tok2VecModel, vectors: StaticVectors | None = None, chars: CharExtractor | None = None, piece_length: int = 0,
        known: KnownFeatures | None = None,
    ):
        super().__init__()
        self.extractor = extractor
        self.model = model
        self.vectors = vectors
        self.chars = chars
        self.width = model.width
        self.piece_length = piece_length
        self.known = known

    def learn_words(self, examples: Iterable[Example]) -> None:
        """Learn which feature values the training data's words make known (a no-op without `known`)."""
        if self.known is not None:
            self.known.learn(eg.reference for eg in examples)

    def inputs(self, docs: Sequence[Doc], device: torch.device) -> dict[str, Any]:
        """The model's inputs for the (one or more) `docs`: `Tok2VecModel.forward`'s keyword
        arguments but the mask.

        Every input is a function of a token's string alone, so at inference each distinct
        word of the batch is embedded once: the rows are the distinct words', and `words` is
        each token's index among them. Each token has its own rows in training, as dropout
        is its own, and in a batch where some token's NORM was set (`token.norm_ = ...`),
        whose rows then read that NORM. The character CNN reads the distinct words in any case."""
        tensor = lambda array: torch.from_numpy(array).to(device)
        strings = docs[0].vocab.strings
        distinct, index = distinct_orths(docs)
        norms = norm_overrides(docs)
        per_token = self.training or norms is not None
        keys = doc_orths(docs) if per_token else distinct

        def rows(table: FeatureExtractor | KnownFeatures):
            found = table.table(strings)[keys]
            if norms is not None:
                table.set_norms(found, *norms)
            return tensor(found)

        index = tensor(index)
        inputs: dict[str, Any] = {"ids": rows(self.extractor)}
        if self.vectors is not None:
            inputs["vectors"] = self.vectors.lookup(self.vectors.row_table(strings)[keys])
        if self.chars is not None:
            inputs["chars"] = (tensor(self.chars.table(strings)[distinct]), index if per_token else None)
        if not per_token:
            inputs["words"] = index
        if not self.training and self.known is not None:
            inputs["known"] = rows(self.known)
        return inputs

    def piece_mask(self, batch: Batch) -> torch.Tensor:
        """(n_pieces, length) mask of the pieces the encoder reads, in token order; the
        batch's own mask when every Doc is one piece."""
        limit = self.piece_length
        if not limit or batch.lengths.max(initial=0) <= limit:
            return batch.mask
        lengths = torch.tensor([end - start for doc in batch.docs for start, end in doc.pieces(limit)])
        return (torch.arange(int(lengths.max()))[None, :] < lengths[:, None]).to(batch.device)

    def piece_starts(self, batch: Batch) -> torch.Tensor | None:
        """(batch, length) True at the first token of each piece after a Doc's first; None
        when every Doc is one piece. For encoders that read a window of neighbours (`local`):
        they stop the window at these marks instead of reading padded pieces."""
        limit = self.piece_length
        if not limit or batch.lengths.max(initial=0) <= limit:
            return None
        starts = torch.zeros(batch.mask.shape, dtype=torch.bool)
        for i, doc in enumerate(batch.docs):
            starts[i, [start for start, _ in doc.pieces(limit)[1:]]] = True
        return starts.to(batch.device)

    def forward(self, batch: Batch) -> torch.Tensor:
        if not batch.docs:
            return torch.zeros(*batch.mask.shape, self.width, device=batch.device)
        inputs = self.inputs(batch.docs, batch.device)
        if getattr(self.model.encoder, "local", False):
            return self.model(mask=batch.mask, starts=self.piece_starts(batch), **inputs)
        mask = self.piece_mask(batch)
        if mask is batch.mask:
            return self.model(mask=mask, **inputs)
        flat = self.model.tokens(mask=mask, **inputs)  # the pieces' tokens, in token order
        tokvecs = flat.new_zeros(*batch.mask.shape, flat.shape[-1])
        tokvecs[batch.mask] = flat
        return tokvecs

    def save_assets(self, directory: Path) -> None:
        """Tables beside the weights: the words of the static vectors, the known feature values."""
        if self.vectors is not None:
            self.vectors.save_keys(directory)
        if self.known is not None:
            self.known.save(directory)


class Tok2VecSpec:
    """What a token-encoder architecture (`lexloom.Tok2Vec.v1`, `lexloom.Transformer.v1`)
    resolves to: its output width and `build(saved)`, which makes fresh weights from the
    config (saved=None) or the right shapes for the weights saved in a component directory."""

    def __init__(self, width: int, build: Callable[[Path | None], nn.Module]):
        self.width = width
        self.build = build


class Tok2Vec(TrainablePipe):
    reports_loss = False

    def __init__(self, nlp, name: str, model: Tok2VecSpec, **cfg: Any):
        super().__init__(nlp, name, model, **cfg)

    @property
    def listener(self):
        return None

    @property
    def width(self) -> int:
        return self.spec.width

    def build(self) -> None:
        self.model = self.spec.build(self._saved_dir).to(self.nlp.device)

    def own_token_encoder(self) -> nn.Module | None:
        return self.model

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels=None) -> None:
        self._saved_dir = None
        self.build()
        learn_words(self.model, get_examples)
        init = self.cfg.get("init_weights")
        if init:
            self.load_weights(Path(init))

    def load_weights(self, path: Path) -> None:
        """Load pretrained weights (from `lexloom pretrain`) into the encoder."""
        from safetensors.torch import load_file

        state = load_file(str(path), device=str(self.nlp.device))
        missing, unexpected = self.model.load_state_dict(state, strict=False)
        if unexpected or len(missing) == len(self.model.state_dict()):
            raise ValueError(f"{path}: not tok2vec weights for this architecture (unexpected {unexpected[:3]})")

    def forward(self, batch: Batch) -> torch.Tensor:
        tokvecs = self.model(batch)
        batch.tokvecs[self.name] = tokvecs
        return tokvecs

    def get_loss(self, examples, batch, output):
        return None

    def set_annotations(self, docs: Sequence[Doc], scores: Any) -> None:
        pass


DEFAULT_CONFIG = {"model": default_tok2vec()}


def optimized_config(optimize: str) -> dict:
    """The shared tok2vec `init config` writes: a CNN over small tables for "efficiency",
    a BiLSTM over larger ones for "accuracy"; pretrained weights from `paths.init_tok2vec`."""
    width = 256 if optimize == "accuracy" else 96
    if optimize == "accuracy":
        encoder = {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": width, "hidden": 200, "depth": 2, "dropout": 0.2}
    else:
        encoder = {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": width, "depth": 4, "window_size": 1, "maxout_pieces": 3, "dropout": 0.1}
    return {
        "init_weights": "${paths.init_tok2vec}",
        "model": {
            "@architectures": "lexloom.Tok2Vec.v1",
            "width": width,
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": [20000, 2000, 10000, 2000] if optimize == "accuracy" else [5000, 1000, 2500, 2500],
            "encoder": encoder,
        },
    }


@factory("tok2vec", DEFAULT_CONFIG, optimize=optimized_config)
def make_tok2vec(nlp, name: str, model: Tok2VecSpec, init_weights: str | None = None) -> Tok2Vec:
    return Tok2Vec(nlp, name, model, init_weights=init_weights)
