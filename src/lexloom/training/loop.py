"""The training loop: config in, `model-best/`, `model-last/` and `log.jsonl` out."""
from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from confection import Config

from ..config import load_config, resolve_section
from ..errors import ConfigError
from ..language import Language, set_seed
from ..tokens import Doc, Example
from .corpus import corpus_files
from .logger import TrainingLogger

DEFAULT_SCORE_WEIGHTS = {
    "tagger": {"tag_acc": 1.0},
    "morphologizer": {"pos_acc": 0.5, "morph_acc": 0.5},
    "trainable_lemmatizer": {"lemma_acc": 1.0},
    "parser": {"dep_uas": 0.5, "dep_las": 0.5},
    "senter": {"sents_f": 1.0},
    "ner": {"ents_f": 1.0},
    "textcat": {"cats_score": 1.0},
    "textcat_multilabel": {"cats_score": 1.0},
}


@dataclass
class TrainingState:
    step: int = 0
    epoch: int = 0
    words: int = 0
    best_score: float = -1.0
    best_step: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def score_weights(nlp: Language, configured: dict[str, float] | None) -> dict[str, float]:
    """Configured weights, else the defaults of the pipeline's components, normalized to sum 1."""
    weights: dict[str, float] = {}
    if configured:
        weights = {k: float(v) for k, v in configured.items() if v is not None}
    else:
        for _, proc in nlp.pipeline:
            for k, v in DEFAULT_SCORE_WEIGHTS.get(proc.factory, {}).items():
                weights[k] = weights.get(k, 0.0) + v
    total = sum(weights.values()) or 1.0
    return {k: v / total for k, v in weights.items()}


def combined_score(scores: dict[str, Any], weights: dict[str, float]) -> float:
    return float(sum(w * float(scores.get(k) or 0.0) for k, w in weights.items()))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    for f in corpus_files(path):
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def apply_params_file(overrides: dict[str, Any], config: Config, params_path: Path | None, key: str | None) -> dict[str, Any]:
    """Overrides from a DVC params.yaml: its top-level sections that are config sections
    (e.g. `training:`), then the sub-dict under `key` (e.g. `ud: {training: {...}}`)."""
    if params_path is None:
        return overrides
    import yaml

    try:
        params = yaml.safe_load(Path(params_path).read_text(encoding="utf8")) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{params_path}{line}: invalid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(params, dict):
        raise ConfigError(f"{params_path}: expected a mapping at the top level")

    def flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
        else:
            out[prefix] = value

    merged: dict[str, Any] = {}
    for section, value in params.items():
        if section in config and isinstance(value, dict):
            flatten(section, value, merged)
    if key is not None:
        if key not in params or not isinstance(params[key], dict):
            raise ConfigError(f"{params_path}: no section {key!r}")
        flatten("", params[key], merged)
    merged.update(overrides)
    return merged


def train(
    config_path: str | Path,
    output_dir: str | Path | None,
    *,
    overrides: dict[str, Any] | None = None,
    params_path: Path | None = None,
    params_key: str | None = None,
    gpu_id: int | None = None,
    logger: TrainingLogger | None = None,
) -> Path | None:
    raw = load_config(config_path)
    overrides = apply_params_file(dict(overrides or {}), raw, params_path, params_key)
    if gpu_id is not None:
        overrides["system.gpu_id"] = gpu_id
    config = load_config(config_path, overrides=overrides, interpolate=True)
    uninterpolated = load_config(config_path, overrides=overrides)
    for section in ("nlp", "components", "training", "corpora"):
        if section not in config:
            raise ConfigError(f"{config_path}: missing section [{section}]")
    system = config.get("system", {})
    seed = int(system.get("seed", 0))
    set_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if system.get("threads"):
        torch.set_num_threads(int(system["threads"]))
    nlp = Language.from_config(config, gpu_id=int(system.get("gpu_id", -1)))
    nlp.config = uninterpolated
    T = resolve_section(config, "training", config_path)
    corpora = resolve_section(config, "corpora", config_path)
    for key in ("train", "dev"):
        if key not in corpora:
            raise ConfigError(f"{config_path}: missing section [corpora.{key}]")
    train_examples = list(corpora["train"](nlp))
    dev_examples = list(corpora["dev"](nlp))
    if not train_examples:
        raise ConfigError(f"{config_path}: the training corpus is empty")
    frozen = list(T.get("frozen_components", []))
    for name in frozen:
        if not nlp.has_pipe(name):
            raise ConfigError(f"[training] frozen_components names {name!r}, which is not in the pipeline")
    sourced = {n for n, c in config["components"].items() if "source" in c}
    with nlp.select_pipes(disable=sorted(sourced)):
        optimizer = nlp.initialize(lambda: train_examples, sgd=T["optimizer"])
    rehearse = _rehearsal(nlp, T, sourced, corpora)
    weights = score_weights(nlp, T.get("score_weights"))
    output = Path(output_dir) if output_dir else None
    logger = logger or T.get("logger") or TrainingLogger()
    trainable = [n for n in nlp.pipe_names if n not in frozen and nlp.get_pipe(n).factory != "tok2vec"]
    logger.start(output / "log.jsonl" if output else None, trainable, list(weights), int(T["eval_frequency"]))
    meta = {
        "data": {k: file_sha256(Path(config["paths"][k])) for k in ("train", "dev") if config.get("paths", {}).get(k)},
        "config_sha256": hashlib.sha256(Config(uninterpolated).to_str().encode()).hexdigest(),
        "seed": seed,
    }
    state = TrainingState()
    try:
        _run(nlp, T, optimizer, train_examples, dev_examples, frozen, weights, state, logger, output, meta, seed, rehearse)
    finally:
        logger.finish()
    return output


def _rehearsal(nlp: Language, T: dict, sourced: set[str], corpora: dict) -> Callable[[int], list[Example]] | None:
    """With `[training] rehearse_ratio > 0` and a raw-text corpus, mix the original pipeline's own
    predictions on raw text into every batch, so updating it does not forget what it knew."""
    ratio = float(T.get("rehearse_ratio", 0.0))
    if not ratio or "raw" not in corpora:
        return None
    raw_docs = [eg.reference for eg in corpora["raw"](nlp)]
    keep = sourced | {n for n in nlp.pipe_names if nlp.get_pipe(n).factory == "tok2vec"}
    with nlp.select_pipes(enable=sorted(keep)):
        teacher = list(nlp.pipe(raw_docs))
    rng = random.Random(0)

    def sample(n_words: int) -> list[Example]:
        out, words = [], 0
        while teacher and words < n_words * ratio:
            ref = rng.choice(teacher)
            out.append(Example(Doc(nlp.vocab, words=ref.words, spaces=ref.spaces), ref))
            words += len(ref)
        return out

    return sample


def _run(nlp, T, optimizer, train_examples, dev_examples, frozen, weights, state, logger, output, meta, seed, rehearse) -> None:
    batcher = T["batcher"]
    dropout = float(T.get("dropout", 0.1))
    eval_frequency = int(T["eval_frequency"])
    patience = int(T.get("patience", 0))
    max_steps = int(T.get("max_steps", 0))
    max_epochs = int(T.get("max_epochs", 0))
    max_seconds = float(T.get("max_minutes", 0) or 0) * 60
    accumulate = int(T.get("accumulate_gradient", 1))
    rng = random.Random(seed)
    while True:
        order = list(train_examples)
        rng.shuffle(order)
        for batch in batcher(order):
            if rehearse is not None:
                batch = batch + rehearse(sum(len(eg.predicted) for eg in batch))
            for k in range(accumulate):
                sub = batch[k::accumulate]
                last = k == accumulate - 1
                nlp.update(sub, drop=dropout, sgd=optimizer if last else None, losses=state.losses, exclude=frozen)
            state.step += 1
            state.words += sum(len(eg.predicted) for eg in batch)
            logger.step()
            stop = (max_steps and state.step >= max_steps) or (max_seconds and time.perf_counter() - state.started >= max_seconds)
            if state.step % eval_frequency == 0 or stop:
                _evaluate(nlp, optimizer, dev_examples, weights, state, logger, output, meta)
                if patience and state.step - state.best_step >= patience:
                    stop = True
            if stop:
                return
        state.epoch += 1
        if max_epochs and state.epoch >= max_epochs:
            _evaluate(nlp, optimizer, dev_examples, weights, state, logger, output, meta)
            return


def _evaluate(nlp, optimizer, dev_examples, weights, state, logger, output, meta) -> None:
    with nlp.use_params(optimizer.averages if optimizer.use_averages else None):
        scores = nlp.evaluate(dev_examples)
        score = combined_score(scores, weights)
        flat = {k: v for k, v in scores.items() if isinstance(v, (int, float))}
        record = {
            "epoch": state.epoch,
            "step": state.step,
            "seconds": round(time.perf_counter() - state.started, 3),
            "words": state.words,
            "losses": {k: round(v, 6) for k, v in state.losses.items()},
            "scores": flat,
            "score": score,
        }
        logger.log(record)
        state.losses = {}
        if output is not None:
            info = {**meta, "performance": flat, "score": score, "step": state.step}
            if score > state.best_score:
                state.best_score, state.best_step = score, state.step
                nlp.to_disk(output / "model-best", extra_meta=info)
            nlp.to_disk(output / "model-last", extra_meta=info)
        elif score > state.best_score:
            state.best_score, state.best_step = score, state.step
