"""The training loop: config in, `model-best/`, `model-last/` and `log.jsonl` out."""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import safetensors.torch
import torch
from confection import Config
from rich.console import Console

from ..config import load_config, resolve_section
from ..errors import ConfigError
from ..language import Language, set_seed
from ..pipeline.base import TrainablePipe
from ..tokens import Doc, Example
from ..util import atomic_write_text
from .checkpoint import CHECKPOINT_DIR, load_checkpoint, rng_state_from_json, rng_state_to_json, save_checkpoint
from . import distributed
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
    epoch_batches: int = 0  # batches of the current epoch trained on
    epoch_items: int = 0  # Examples of the current epoch trained on: the position in its order


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
    except OSError as e:
        raise ConfigError(f"{params_path}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{params_path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})") from None
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
        elif value is None and not prefix.startswith("paths."):
            raise ConfigError(f"{params_path}: {prefix} has no value")
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
    resume: bool = False,
) -> Path | None:
    """Train the pipeline of a config; with `resume`, go on from `output_dir/checkpoint/`.

    A resumed run ends with the same weights as one that was never interrupted (bit for bit
    on CPU): the checkpoint holds the weights, the optimizer, the averages, every RNG and
    the position in the data and in the schedules.
    """
    raw = load_config(config_path)
    overrides = apply_params_file(dict(overrides or {}), raw, params_path, params_key)
    if gpu_id is not None:
        overrides["system.gpu_id"] = gpu_id
    config = load_config(config_path, overrides=overrides, interpolate=True)
    uninterpolated = load_config(config_path, overrides=overrides)
    for section in ("nlp", "components", "training", "corpora"):
        if section not in config:
            raise ConfigError(f"{config_path}: missing section [{section}]")
    output = Path(output_dir) if output_dir else None
    if resume and output is None:
        raise ConfigError("--resume continues the run in --output DIR; give the output directory")
    # Every value is checked against its type before any work starts.
    system = resolve_section(config, "system", config_path) if "system" in config else {}
    T = resolve_section(config, "training", config_path)
    if "initialize" in config:
        resolve_section(config, "initialize", config_path)
    seed = int(system.get("seed", 0))
    gpu = int(system.get("gpu_id", -1))
    if distributed.init_from_env(gpu):
        if resume:
            raise ConfigError("--resume is not supported for data-parallel runs yet; resume with one process")
        if gpu >= 0:
            gpu += int(os.environ.get("LOCAL_RANK", "0"))
    set_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if system.get("threads"):
        torch.set_num_threads(int(system["threads"]))
    nlp = Language.from_config(config, gpu_id=gpu)
    nlp.config = uninterpolated
    sourced = {n for n, c in config["components"].items() if "source" in c}
    for name in sourced:
        # The saved pipeline must load on its own: the component's own config, not a pointer.
        nlp.config["components"][name] = nlp._component_cfgs[name]
    nlp.mixed_precision = T.get("mixed_precision") or None
    if nlp.mixed_precision not in (None, "bf16"):
        raise ConfigError(f"[training] mixed_precision must be \"bf16\" or false, not {nlp.mixed_precision!r}")
    if distributed.world_size() > 1 and int(T.get("max_epochs", 0) or 0):
        # Each rank's shard ends its epochs at a different step; steps are what ranks share.
        raise ConfigError("[training] max_epochs: data-parallel runs stop by max_steps, max_minutes or patience; set max_epochs = 0")
    corpora = resolve_section(config, "corpora", config_path)
    for key in ("train", "dev"):
        if key not in corpora:
            raise ConfigError(f"{config_path}: missing section [corpora.{key}]")
    data = TrainingData(nlp, corpora["train"], int(T.get("shuffle_buffer", 0) or 0))
    if data.is_empty():
        raise ConfigError(f"{config_path}: the training corpus is empty")
    dev_examples = list(corpora["dev"](nlp))
    frozen = list(T.get("frozen_components", []))
    for name in frozen:
        if not nlp.has_pipe(name):
            raise ConfigError(f"[training] frozen_components names {name!r}, which is not in the pipeline")
    max_init = int((config.get("initialize") or {}).get("max_examples", 0) or 0)
    with nlp.select_pipes(disable=sorted(sourced)):
        optimizer = nlp.initialize(lambda: data.head(max_init), sgd=T["optimizer"])
    rehearse = _rehearsal(nlp, T, sourced, corpora)
    _add_new_labels(nlp, sorted(sourced - set(frozen)), lambda: data.head(max_init))
    if distributed.world_size() > 1:
        # Rank 0's initial weights go to every rank; from here on each rank draws its own dropout.
        nlp.data_parallel()
        torch.manual_seed(seed + distributed.rank())
    weights = score_weights(nlp, T.get("score_weights"))
    batcher, schedules = _counted_batcher(config, config_path)
    meta = {
        "data": {k: file_sha256(Path(config["paths"][k])) for k in ("train", "dev") if config.get("paths", {}).get(k)},
        "config_sha256": hashlib.sha256(Config(uninterpolated).to_str().encode()).hexdigest(),
        "seed": seed,
    }
    loop = _Loop(nlp, T, optimizer, data, dev_examples, frozen, weights, output, meta, seed, rehearse, batcher, schedules)
    if output is not None:
        _remove_stale_temporaries(output)
    if resume:
        loop.restore(output / CHECKPOINT_DIR)
        _truncate_log(output / "log.jsonl", loop.state.step)
    if not distributed.is_main():
        logger = TrainingLogger(console=Console(quiet=True), progress_bar=False)
        output = loop.output = None
    logger = logger or T.get("logger") or TrainingLogger()
    trainable = [n for n in nlp.pipe_names if n not in frozen and nlp.get_pipe(n).factory != "tok2vec" and nlp.get_pipe(n).model is not None]
    logger.start(output / "log.jsonl" if output else None, trainable, list(weights), int(T["eval_frequency"]))
    loop.logger = logger
    try:
        loop.run()
    finally:
        logger.finish()
    return output


class TrainingData:
    """The training corpus, epoch by epoch, in an order drawn from the loop's RNG.

    With `shuffle_buffer = 0` the Examples are held in memory and each epoch is a full
    shuffle. With `shuffle_buffer = N` the reader is streamed anew each epoch and shuffled
    within a window of N Examples, so a corpus of any size trains in bounded memory.
    """

    def __init__(self, nlp: Language, reader: Callable[[Language], Iterable[Example]], shuffle_buffer: int):
        self.nlp = nlp
        self.reader = reader
        self.shuffle_buffer = shuffle_buffer
        self.examples: list[Example] | None = None if shuffle_buffer else list(self._read())

    def _read(self) -> Iterable[Example]:
        """The reader's Examples; in a data-parallel run, this rank's shard of them."""
        examples = self.reader(self.nlp)
        world = distributed.world_size()
        return itertools.islice(examples, distributed.rank(), None, world) if world > 1 else examples

    def stream(self) -> Iterable[Example]:
        return self.examples if self.examples is not None else self._read()

    def is_empty(self) -> bool:
        return next(iter(self.stream()), None) is None

    def head(self, n: int) -> Iterable[Example]:
        """The first `n` Examples (all when n is 0): what labels are collected from. Every
        rank of a data-parallel run reads them from the whole corpus, so all get the same labels."""
        source = self.reader(self.nlp) if distributed.world_size() > 1 else self.stream()
        return itertools.islice(source, n) if n else source

    def epoch(self, rng: random.Random) -> Iterator[Example]:
        if self.examples is not None:
            order = list(self.examples)
            rng.shuffle(order)
            return iter(order)
        return _buffer_shuffle(self._read(), self.shuffle_buffer, rng)


def _buffer_shuffle(items: Iterable[Example], size: int, rng: random.Random) -> Iterator[Example]:
    """Shuffle a stream within a window of `size` items: each arriving item takes the place
    of a randomly chosen one, which is yielded; the last window is shuffled whole."""
    buffer: list[Example] = []
    for item in items:
        if len(buffer) < size:
            buffer.append(item)
            continue
        i = rng.randrange(size)
        yield buffer[i]
        buffer[i] = item
    rng.shuffle(buffer)
    yield from buffer


class _CountedSchedule:
    """A schedule (an iterator of numbers) that counts the values taken from it, so that a
    resumed run can advance a fresh one to the same place."""

    def __init__(self, values: Iterable[float]):
        self._values = iter(values)
        self.taken = 0

    def __iter__(self) -> "_CountedSchedule":
        return self

    def __next__(self) -> float:
        value = next(self._values)
        self.taken += 1
        return value

    def advance_to(self, taken: int) -> None:
        while self.taken < taken:
            next(self)


def _counted_batcher(config: Config, config_path) -> tuple[Callable, dict[str, _CountedSchedule]]:
    """The `[training.batcher]`, built with each of its schedule arguments (e.g. `size`) wrapped
    in a `_CountedSchedule`."""
    section = dict(config["training"]["batcher"])
    schedules: dict[str, _CountedSchedule] = {}
    for key, value in section.items():
        if isinstance(value, dict) and "@schedules" in value:
            schedules[key] = _CountedSchedule(resolve_section({key: value}, key, config_path, top_level=False))
            section[key] = schedules[key]
    return resolve_section({"batcher": section}, "batcher", config_path, top_level=False), schedules


def _remove_stale_temporaries(output: Path) -> None:
    """Temporaries that a killed run left beside its outputs (see `atomic_path`)."""
    for name in ("model-best", "model-last", CHECKPOINT_DIR):
        for tmp in output.glob(f".{name}.*.tmp"):
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


def _truncate_log(log_path: Path, step: int) -> None:
    """Drop the log records a killed run wrote after its last checkpoint: the resumed run
    writes them again."""
    if not log_path.exists():
        return
    lines = log_path.read_text(encoding="utf8").splitlines()
    kept = []
    for line in lines:
        try:
            if json.loads(line)["step"] <= step:
                kept.append(line)
        except (json.JSONDecodeError, KeyError, TypeError):
            break  # a record cut short by the kill
    atomic_write_text(log_path, "".join(line + "\n" for line in kept))


class _Rehearsal:
    """With `[training] rehearse_ratio > 0` and a raw-text corpus, mix the original pipeline's own
    predictions on raw text into every batch, so updating it does not forget what it knew."""

    def __init__(self, nlp: Language, teacher: list[Doc], ratio: float):
        self.nlp = nlp
        self.teacher = teacher
        self.ratio = ratio
        self.rng = random.Random(0)

    def __call__(self, n_words: int) -> list[Example]:
        out, words = [], 0
        while self.teacher and words < n_words * self.ratio:
            ref = self.rng.choice(self.teacher)
            out.append(Example(Doc(self.nlp.vocab, words=ref.words, spaces=ref.spaces), ref))
            words += len(ref)
        return out


def _rehearsal(nlp: Language, T: dict, sourced: set[str], corpora: dict) -> _Rehearsal | None:
    ratio = float(T.get("rehearse_ratio", 0.0))
    if not ratio or "raw" not in corpora:
        return None
    raw_docs = [eg.reference for eg in corpora["raw"](nlp)]
    keep = sourced | {n for n in nlp.pipe_names if nlp.get_pipe(n).factory == "tok2vec"}
    with nlp.select_pipes(enable=sorted(keep)):
        teacher = list(nlp.pipe(raw_docs))
    return _Rehearsal(nlp, teacher, ratio)


def _add_new_labels(nlp: Language, names: list[str], get_examples: Callable[[], Iterable[Example]]) -> None:
    """A sourced component keeps its labels and weights and gains the training data's new
    labels (e.g. GADGET for a trained NER), each a fresh output row. Called after the
    rehearsal teacher has annotated, so the teacher never predicts a label it never learned."""
    for name in names:
        proc = nlp.get_pipe(name)
        if type(proc)._grow_output is TrainablePipe._grow_output:
            continue  # its label set is fixed by its tables (e.g. the lemmatizer's edit trees)
        new = [label for label in proc.labels_from(get_examples()) if label not in proc.labels]
        for label in new:
            proc.add_label(label)
        if new and distributed.is_main():
            Console(stderr=True).print(f"{name}: new labels from the training data: {', '.join(new)}")


class _Loop:
    """Steps, evaluations, saves and checkpoints.

    Every epoch starts from a recorded point (the shuffling RNG's state and how many values
    each batcher schedule has given). A resumed run goes back to the start of the checkpoint's
    epoch, draws the same order and the same batches again and skips the batches it has
    already trained on, so that it continues exactly where the killed run was, whatever
    the batcher does.
    """

    def __init__(self, nlp, T, optimizer, data, dev_examples, frozen, weights, output, meta, seed, rehearse, batcher, schedules):
        self.nlp, self.T, self.optimizer, self.data = nlp, T, optimizer, data
        self.dev_examples, self.frozen, self.weights = dev_examples, frozen, weights
        self.output, self.meta, self.rehearse = output, meta, rehearse
        self.batcher, self.schedules = batcher, schedules
        self.rng = random.Random(seed)
        self.state = TrainingState()
        self.epoch_start: dict[str, Any] | None = None
        self.resumed_finished = False
        self.logger: TrainingLogger | None = None
        self.checkpoint_every = int(T.get("checkpoint_every", 0) or 0)
        self.eval_frequency = int(T["eval_frequency"])
        self.patience = int(T.get("patience", 0))
        self.max_steps = int(T.get("max_steps", 0))
        self.max_epochs = int(T.get("max_epochs", 0))
        self.max_seconds = float(T.get("max_minutes", 0) or 0) * 60

    # --- checkpoints -------------------------------------------------------------------
    def _mark_epoch_start(self) -> None:
        self.epoch_start = {
            "shuffle_rng": rng_state_to_json(self.rng.getstate()),
            "schedules": {k: s.taken for k, s in self.schedules.items()},
        }
        self.state.epoch_batches = self.state.epoch_items = 0

    def progress(self, finished: bool) -> dict[str, Any]:
        s = self.state
        return {
            "step": s.step, "epoch": s.epoch, "words": s.words, "best_score": s.best_score, "best_step": s.best_step,
            "losses": s.losses, "seconds": time.perf_counter() - s.started,
            "epoch_batches": s.epoch_batches, "epoch_items": s.epoch_items, "epoch_start": self.epoch_start,
            "rehearse_rng": rng_state_to_json(self.rehearse.rng.getstate()) if self.rehearse else None,
            "data": self.meta["data"], "config_sha256": self.meta["config_sha256"], "finished": finished,
        }

    def save_checkpoint(self, finished: bool = False) -> None:
        if self.output is not None:
            save_checkpoint(self.output / CHECKPOINT_DIR, self.nlp, self.optimizer, self.progress(finished))

    def restore(self, path: Path) -> None:
        progress = load_checkpoint(path, self.nlp, self.optimizer, exclude=self.frozen)
        if progress["data"] != self.meta["data"]:
            raise ConfigError(f"{path}: the training or dev data changed since this checkpoint was written; cannot resume")
        s = self.state
        s.step, s.epoch, s.words = progress["step"], progress["epoch"], progress["words"]
        s.best_score, s.best_step, s.losses = progress["best_score"], progress["best_step"], progress["losses"]
        s.started = time.perf_counter() - progress["seconds"]
        s.epoch_batches, s.epoch_items = progress["epoch_batches"], progress["epoch_items"]
        self.epoch_start = progress["epoch_start"]
        self.rng.setstate(rng_state_from_json(self.epoch_start["shuffle_rng"]))
        for key, schedule in self.schedules.items():
            schedule.advance_to(self.epoch_start["schedules"].get(key, 0))
        if self.rehearse and progress["rehearse_rng"]:
            self.rehearse.rng.setstate(rng_state_from_json(progress["rehearse_rng"]))
        self.resumed_finished = progress["finished"]

    # --- the loop --------------------------------------------------------------------------
    def _limits_reached(self) -> bool:
        s = self.state
        return bool(
            (self.max_steps and s.step >= self.max_steps)
            or (self.max_epochs and s.epoch >= self.max_epochs)
            or (self.patience and s.step - s.best_step >= self.patience)
        )

    def run(self) -> None:
        resumed = self.epoch_start is not None
        if resumed and self.resumed_finished and self._limits_reached():
            return
        s = self.state
        dropout = float(self.T.get("dropout", 0.1))
        accumulate = int(self.T.get("accumulate_gradient", 1))
        while True:
            skip = s.epoch_batches if resumed else 0
            skipped_items = s.epoch_items
            if not resumed:
                self._mark_epoch_start()
            resumed = False
            for i, batch in enumerate(self.batcher(self.data.epoch(self.rng))):
                if i < skip:
                    skipped_items -= len(batch)
                    if i == skip - 1 and skipped_items != 0:
                        raise ConfigError("the training data or batcher differ from the checkpoint's; cannot resume")
                    continue
                if self.rehearse is not None:
                    batch = batch + self.rehearse(sum(len(eg.predicted) for eg in batch))
                for k in range(accumulate):
                    last = k == accumulate - 1
                    self.nlp.update(batch[k::accumulate], drop=dropout, sgd=self.optimizer if last else None, losses=s.losses, exclude=self.frozen)
                s.step += 1
                s.epoch_batches += 1
                s.epoch_items += len(batch)
                s.words += sum(len(eg.predicted) for eg in batch)
                self.logger.step()
                stop = (self.max_steps and s.step >= self.max_steps) or (self.max_seconds and time.perf_counter() - s.started >= self.max_seconds)
                # Ranks step in lockstep, but only rank 0 evaluates and keeps the time: its word is final.
                stop = distributed.agree(bool(stop))
                evaluated = s.step % self.eval_frequency == 0 or stop
                if evaluated:
                    if distributed.is_main():
                        self._evaluate()
                        if self.patience and s.step - s.best_step >= self.patience:
                            stop = True
                    stop = distributed.agree(bool(stop))
                if evaluated or (self.checkpoint_every and s.step % self.checkpoint_every == 0):
                    self.save_checkpoint(finished=bool(stop))
                if stop:
                    return
            s.epoch += 1
            if self.max_epochs and s.epoch >= self.max_epochs:
                self._evaluate()
                self._mark_epoch_start()
                self.save_checkpoint(finished=True)
                return

    def _evaluate(self) -> None:
        s, nlp, optimizer = self.state, self.nlp, self.optimizer
        with nlp.use_params(optimizer.averages if optimizer.use_averages else None):
            scores = nlp.evaluate(self.dev_examples)
            score = combined_score(scores, self.weights)
            flat = {k: v for k, v in scores.items() if isinstance(v, (int, float))}
            record = {
                "epoch": s.epoch,
                "step": s.step,
                "seconds": round(time.perf_counter() - s.started, 3),
                "words": s.words,
                "losses": {k: round(v, 6) for k, v in s.losses.items()},
                "scores": flat,
                "score": score,
            }
            self.logger.log(record)
            s.losses = {}
            if self.output is not None:
                info = {**self.meta, "performance": flat, "score": score, "step": s.step, "weights_sha256": weights_sha256(nlp)}
                if score > s.best_score:
                    s.best_score, s.best_step = score, s.step
                    nlp.to_disk(self.output / "model-best", extra_meta=info)
                nlp.to_disk(self.output / "model-last", extra_meta=info)
            elif score > s.best_score:
                s.best_score, s.best_step = score, s.step


def weights_sha256(nlp: Language) -> dict[str, str]:
    """Per component, the sha256 of the `model.safetensors` that `to_disk` writes for it now
    (safetensors serializes equal tensors to equal bytes)."""
    out = {}
    for name, proc in nlp.components:
        if proc.model is not None:
            state = {k: v.detach().cpu().contiguous() for k, v in proc.model.state_dict().items()}
            out[name] = hashlib.sha256(safetensors.torch.save(state)).hexdigest()
    return out
