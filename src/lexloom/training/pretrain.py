"""Pretraining: teach a config's tok2vec layer on raw text before training, `lexloom pretrain`.

The objective needs no vectors: spaCy's "characters" objective predicts the first
and last `n_characters` bytes of every token from its contextual vector. As in
spaCy, a share of the tokens (`mask_probability`) is hidden from the input first,
BERT-style (80% replaced by "[MASK]", 10% by another token of the batch, 10% kept),
so that their spelling has to be guessed from the context; the loss covers every
token. Predicting static word vectors instead is not implemented.

Outputs in OUTPUT_DIR: `model{epoch}.safetensors` after each epoch (epochs count
from 1), `model{epoch}_{step}.safetensors` every `n_save_every` steps when that is
set, `model-last.safetensors` (the latest weights) and `log.jsonl` (one record per
epoch). Each weights file is the state dict of the tok2vec layer only, which
`[components.tok2vec] init_weights` (`--paths.init_tok2vec`) loads.
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from ..about import __version__
from ..config import load_config, resolve_section
from ..convert import read_docs
from ..errors import ConfigError, DataError
from ..language import Language, default_gpu_id, set_seed
from ..models.pretrain import CharacterObjective
from ..pipeline.batch import Batch
from ..pipeline.tok2vec import Tok2Vec, Tok2VecLayer
from ..tokens import Doc
from ..files import atomic_path, atomic_write_text

MASK_TOKEN = "[MASK]"
# 0xFF never occurs in UTF-8, so it can stand for "no byte here" in words shorter than n_characters.
PAD_BYTE = 255


class CharacterTargets:
    """Each token's first and last `n_characters` UTF-8 bytes (the last ones from the end of the
    word backwards), padded with 0xFF; cached per string."""

    def __init__(self, n_characters: int):
        self.n_characters = n_characters
        self._rows: dict[str, np.ndarray] = {}

    def _row(self, word: str) -> np.ndarray:
        row = self._rows.get(word)
        if row is None:
            n = self.n_characters
            data = word.encode("utf8")
            first, last = data[:n], data[::-1][:n]
            pad = bytes([PAD_BYTE])
            row = np.frombuffer(first.ljust(n, pad) + last.ljust(n, pad), dtype=np.uint8)
            self._rows[word] = row
        return row

    def __call__(self, docs: list[Doc]) -> np.ndarray:
        """(total tokens, 2 * n_characters) byte values, for the docs' tokens in order."""
        orth = np.concatenate([doc._orth for doc in docs])
        unique, inverse = np.unique(orth, return_inverse=True)
        strings = docs[0].vocab.strings
        rows = np.stack([self._row(strings[int(o)]) for o in unique.tolist()])
        return rows[inverse.reshape(-1)]


class Masking(NamedTuple):
    """Which tokens' input is hidden: `masked` ones read as "[MASK]", each of `swapped` reads as
    the token `sources` (same order) points to."""

    masked: np.ndarray
    swapped: np.ndarray
    sources: np.ndarray

    def apply(self, values: np.ndarray, mask_value) -> np.ndarray:
        """A copy of the per-token `values` with the masked tokens' set to `mask_value` and the
        swapped tokens' taken from their sources."""
        out = values.copy()
        out[self.masked] = mask_value
        out[self.swapped] = values[self.sources]
        return out


def choose_masked(n_tokens: int, probability: float, rng: np.random.Generator) -> Masking | None:
    """Choose a share `probability` of the tokens to hide, BERT-style: 80% of them are masked,
    10% read as another token of the batch, 10% keep their own input. None: nothing to hide.
    Every input of a hidden token (hashed features, static vector, characters) is hidden alike,
    so that the word cannot be recovered from any of them."""
    if not probability or not n_tokens:
        return None
    chosen = rng.random(n_tokens) < probability
    roll = rng.random(n_tokens)
    swapped = np.flatnonzero(chosen & (roll >= 0.8) & (roll < 0.9))
    return Masking(chosen & (roll < 0.8), swapped, rng.integers(0, n_tokens, size=len(swapped)))


def build_objective(cfg: dict[str, Any], width: int) -> tuple[CharacterObjective, float]:
    """The objective head `[pretraining.objective]` describes, and its mask probability."""
    cfg = dict(cfg)
    kind = cfg.pop("type", None)
    if kind != "characters":
        raise ConfigError(f'[pretraining.objective] type must be "characters", not {kind!r} (predicting word vectors is not implemented)')
    mask_probability = float(cfg.pop("mask_probability", 0.15))
    if not 0.0 <= mask_probability < 1.0:
        raise ConfigError(f"[pretraining.objective] mask_probability must be in [0, 1), not {mask_probability}")
    try:
        return CharacterObjective(width, **cfg), mask_probability
    except (TypeError, ValueError) as e:
        raise ConfigError(f"[pretraining.objective]: {e}") from None


def pretrain(
    config_path: str | Path,
    output_dir: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    epochs: int | None = None,
    gpu_id: int | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Pretrain the `[pretraining] component` (a tok2vec) of the config on `[pretraining] raw_text`;
    write the weights and log to `output_dir` and return the per-epoch log records."""
    if "pretraining" not in load_config(config_path):
        raise ConfigError(f"{config_path}: no [pretraining] section; `lexloom init fill-config` adds the defaults")
    overrides = dict(overrides or {})
    if epochs is not None:
        overrides["pretraining.max_epochs"] = epochs
    if gpu_id is not None:
        overrides["system.gpu_id"] = gpu_id
    config = load_config(config_path, overrides=overrides, interpolate=True)
    P = resolve_section(config, "pretraining", config_path)
    system = resolve_section(config, "system", config_path) if "system" in config else {}
    seed = int(P.get("seed", system.get("seed", 0)) or 0)
    set_seed(seed)
    if system.get("threads"):
        torch.set_num_threads(int(system["threads"]))
    gpu = int(system.get("gpu_id", -1))
    if gpu < 0 and gpu_id is None:  # the config asks for no GPU: the one lexloom.require_gpu picked, if any
        gpu = default_gpu_id()
    nlp = Language.from_config(config, gpu_id=gpu)
    layer = _tok2vec_layer(nlp, P["component"], config_path)
    if not P.get("raw_text"):
        raise ConfigError(f"{config_path}: [pretraining] raw_text is not set; pass --paths.raw_text FILE")
    docs = [doc for doc in read_docs(P["raw_text"], nlp.vocab, make_doc=nlp.make_doc) if len(doc)]
    if not docs:
        raise DataError("no text to pretrain on", P["raw_text"])
    objective, mask_probability = build_objective(P["objective"], layer.width)
    objective.to(nlp.device)
    trainer = _Trainer(nlp, layer, objective, mask_probability, P["optimizer"], float(P.get("dropout", 0.2)), seed)
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    n_save_every = int(P.get("n_save_every") or 0)
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    started = time.perf_counter()
    for epoch in range(1, int(P["max_epochs"]) + 1):
        order = list(docs)
        rng.shuffle(order)
        # Batches of similar lengths (little padding), visited in random order.
        batches = list(P["batcher"](sorted(order, key=len)))
        rng.shuffle(batches)
        loss_sum, words = 0.0, 0
        for batch in batches:
            loss, n_tokens = trainer.update(batch)
            loss_sum += loss * n_tokens
            words += n_tokens
            if n_save_every and trainer.step % n_save_every == 0:
                save_weights(layer, output / f"model{epoch}_{trainer.step}.safetensors", epoch=epoch, step=trainer.step)
        record = {
            "epoch": epoch,
            "step": trainer.step,
            "loss": round(loss_sum / max(words, 1), 6),
            "words": words,
            "seconds": round(time.perf_counter() - started, 3),
        }
        records.append(record)
        save_weights(layer, output / f"model{epoch}.safetensors", epoch=epoch, step=trainer.step)
        save_weights(layer, output / "model-last.safetensors", epoch=epoch, step=trainer.step)
        atomic_write_text(output / "log.jsonl", "".join(json.dumps(r) + "\n" for r in records))
        if on_epoch is not None:
            on_epoch(record)
    return records


def _tok2vec_layer(nlp: Language, name: str, config_path: str | Path) -> Tok2VecLayer:
    if not nlp.has_pipe(name):
        raise ConfigError(f"{config_path}: [pretraining] component {name!r} is not in the pipeline ({nlp.component_names})")
    proc = nlp.get_pipe(name)
    if not isinstance(proc, Tok2Vec):
        factory = nlp.get_pipe_config(name).get("factory")
        raise ConfigError(f"{config_path}: [pretraining] component {name!r} is a {factory!r}; pretraining needs a tok2vec component")
    proc.build()
    if not isinstance(proc.model, Tok2VecLayer):
        raise ConfigError(f"{config_path}: [pretraining] component {name!r} is not a lexloom.Tok2Vec.v1 layer; pretraining teaches hashed embeddings (a transformer comes pretrained)")
    return proc.model


class _Trainer:
    """One optimizer step per batch on the tok2vec layer and the objective head together."""

    def __init__(self, nlp: Language, layer: Tok2VecLayer, objective: CharacterObjective, mask_probability: float, optimizer, dropout: float, seed: int):
        self.nlp = nlp
        self.layer = layer
        self.objective = objective
        self.mask_probability = mask_probability
        self.optimizer = optimizer
        self.targets = CharacterTargets(objective.n_positions // 2)
        self.mask_doc = Doc(nlp.vocab, [MASK_TOKEN])
        self.mask_rows = layer.extractor([self.mask_doc])[0]
        self.rng = np.random.default_rng(seed)
        self.step = 0
        for module in (layer, objective):
            module.train()
            for m in module.modules():
                if isinstance(m, nn.Dropout):
                    m.p = dropout

    def update(self, docs: list[Doc]) -> tuple[float, int]:
        """One step; returns the batch's mean loss per token and position, and its token count."""
        batch = Batch(docs, self.nlp.device)
        ids, vectors, chars = self.layer.extractor(docs), None, None
        masking = choose_masked(len(ids), self.mask_probability, self.rng)
        if masking is not None:
            ids = masking.apply(ids, self.mask_rows)
        if self.layer.vectors is not None:
            rows = self.layer.vectors.rows(docs)
            rows = masking.apply(rows, 0) if masking is not None else rows  # row 0: zeros
            vectors = self.layer.vectors.lookup(rows)
        if self.layer.chars is not None:
            # the [MASK] word's characters go last; masked tokens point to them
            char_rows, index = self.layer.chars(docs + [self.mask_doc])
            index = masking.apply(index[:-1], index[-1]) if masking is not None else index[:-1]
            chars = (torch.from_numpy(char_rows).to(batch.device), torch.from_numpy(index).to(batch.device))
        tokvecs = self.layer.model(torch.from_numpy(ids).to(batch.device), batch.mask, vectors, chars)[batch.mask]
        targets = torch.from_numpy(self.targets(docs).astype(np.int64)).to(batch.device)
        loss = self.objective.loss(self.objective(tokvecs), targets)
        loss.backward()
        named = [(f"tok2vec.{n}", p) for n, p in self.layer.named_parameters()]
        named += [(f"objective.{n}", p) for n, p in self.objective.named_parameters()]
        self.optimizer.step(named)
        self.step += 1
        return float(loss.detach()), batch.n_tokens


def save_weights(layer: Tok2VecLayer, path: Path, *, epoch: int, step: int) -> Path:
    """Write the tok2vec layer's state dict as safetensors, atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in layer.state_dict().items()}
    metadata = {"lexloom_version": __version__, "epoch": str(epoch), "step": str(step)}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata=metadata)
    return path
