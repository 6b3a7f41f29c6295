"""The training loop: config in, `model-best/`, `model-last/` and `log.jsonl` out.

`Loop.steps()` is the loop itself, a generator of `Step`s in the manner of spaCy's
`train_while_improving`: it updates, evaluates every `eval_frequency` steps and decides,
in one place (`Loop.finished`), when the run is over. What to do with a step (log it,
save `model-best` / `model-last`, write a checkpoint) is up to its caller, `train()`.
"""
from __future__ import annotations

import contextlib
import hashlib
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
from ..language import Language, default_gpu_id, set_seed
from ..tokens import Example
from ..files import atomic_write_text
from .checkpoint import CHECKPOINT_DIR, load_checkpoint, rng_state_from_json, rng_state_to_json, save_checkpoint
from . import distributed
from .data import CountedSchedule, TrainingData, counted_batcher, file_sha256
from .logger import TrainingLogger
from .rehearsal import Rehearsal, add_new_labels, make_rehearsal


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


@dataclass(frozen=True)
class Settings:
    """`[training]`, resolved: what the loop goes by."""

    batcher: Callable[[Iterable[Example]], Iterable[list[Example]]]
    schedules: dict[str, "CountedSchedule"]  # the batcher's schedules, counted for resuming
    score_weights: dict[str, float]
    frozen: tuple[str, ...] = ()
    auxiliary: tuple[str, ...] = ()
    dropout: float = 0.1
    accumulate_gradient: int = 1
    eval_frequency: int = 200
    patience: int = 0
    max_steps: int = 0
    max_epochs: int = 0
    max_seconds: float = 0.0
    checkpoint_every: int = 0
    seed: int = 0

    @classmethod
    def from_config(cls, config: Config, T: dict, nlp: Language, config_path) -> "Settings":
        """From the interpolated config and its resolved `[training]` section `T`."""
        batcher, schedules = counted_batcher(config, config_path)
        auxiliary = tuple(n for n in T.get("auxiliary_components", []) if nlp.has_pipe(n))  # not those left out, unannotated
        return cls(
            batcher=batcher,
            schedules=schedules,
            score_weights=score_weights(nlp, T.get("score_weights"), exclude=auxiliary),
            frozen=tuple(T.get("frozen_components", [])),
            auxiliary=auxiliary,
            dropout=float(T.get("dropout", 0.1)),
            accumulate_gradient=int(T.get("accumulate_gradient", 1)),
            eval_frequency=int(T["eval_frequency"]),
            patience=int(T.get("patience", 0)),
            max_steps=int(T.get("max_steps", 0)),
            max_epochs=int(T.get("max_epochs", 0)),
            max_seconds=float(T.get("max_minutes", 0) or 0) * 60,
            checkpoint_every=int(T.get("checkpoint_every", 0) or 0),
            seed=int(config.get("system", {}).get("seed", 0)),
        )


def score_weights(nlp: Language, configured: dict[str, float] | None, exclude: Iterable[str] = ()) -> dict[str, float]:
    """Configured weights, else the sum of the default weights of the pipeline's components
    (but those in `exclude`: auxiliary components, which the trained pipeline does not run),
    normalized to sum 1."""
    weights: dict[str, float] = {}
    if configured:
        weights = {k: float(v) for k, v in configured.items() if v is not None}
    else:
        for name, proc in nlp.pipeline:
            if name in exclude:
                continue
            for k, v in proc.default_score_weights().items():
                if v is not None:
                    weights[k] = weights.get(k, 0.0) + v
    total = sum(weights.values()) or 1.0
    return {k: v / total for k, v in weights.items()}


def combined_score(scores: dict[str, Any], weights: dict[str, float]) -> float:
    return float(sum(w * float(scores.get(k) or 0.0) for k, w in weights.items()))


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
    the position in the data and in the schedules. Without `resume`, a run into an existing
    `output_dir` starts a new `log.jsonl` (it replaces the old one at its first record).
    """
    raw = load_config(config_path, translate_spacy=False)  # the settings as the file names them, as overrides do
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
    if gpu < 0 and gpu_id is None:  # the config asks for no GPU: the one lexloom.require_gpu picked, if any
        gpu = default_gpu_id()
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
        nlp.config["components"][name] = nlp.get_pipe_config(name)
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
    for key in ("frozen_components", "auxiliary_components"):
        for name in T.get(key, []):
            if not nlp.has_pipe(name):
                raise ConfigError(f"[training] {key} names {name!r}, which is not in the pipeline")
    check_disabled(nlp, T, sourced, config_path)
    check_annotation(nlp, data, skip=T["unannotated"] == "skip", keep=set(frozen) | sourced, config_path=config_path)
    max_init = int((config.get("initialize") or {}).get("max_examples", 0) or 0)
    with nlp.select_pipes(disable=sorted(sourced)):
        optimizer = nlp.initialize(lambda: data.head(max_init), sgd=T["optimizer"])
    rehearse = make_rehearsal(nlp, T, sourced, corpora)
    add_new_labels(nlp, sorted(sourced - set(frozen)), lambda: data.head(max_init))
    if distributed.world_size() > 1:
        # Rank 0's initial weights go to every rank; from here on each rank draws its own dropout.
        nlp.data_parallel()
        torch.manual_seed(seed + distributed.rank())
    settings = Settings.from_config(config, T, nlp, config_path)
    run = {
        "data": {k: file_sha256(Path(config["paths"][k])) for k in ("train", "dev") if config.get("paths", {}).get(k)},
        "config_sha256": hashlib.sha256(Config(uninterpolated).to_str().encode()).hexdigest(),
        "seed": seed,
    }
    loop = Loop(nlp, optimizer, data, dev_examples, settings, rehearse=rehearse)
    if output is not None:
        _remove_stale_temporaries(output)
    if resume:
        progress = load_checkpoint(output / CHECKPOINT_DIR, nlp, optimizer, exclude=settings.frozen)
        if progress["data"] != run["data"]:
            raise ConfigError(f"{output / CHECKPOINT_DIR}: the training or dev data changed since this checkpoint was written; cannot resume")
        loop.restore(progress)
        _truncate_log(output / "log.jsonl", loop.state.step)
    if not distributed.is_main():
        logger = TrainingLogger(console=Console(quiet=True), progress_bar=False)
        output = None
    logger = logger or T.get("logger") or TrainingLogger()
    trainable = [n for n, p in nlp.pipeline if n not in frozen and p.is_trainable and p.reports_loss]
    logger.start(output / "log.jsonl" if output else None, trainable, list(settings.score_weights), settings.eval_frequency, append=resume)
    try:
        for step in loop.steps():
            logger.step()
            if step.record is not None:
                logger.log(step.record)
                if output is not None:
                    _save_models(nlp, loop, output, step, run)
            if step.checkpoint and output is not None:
                save_checkpoint(output / CHECKPOINT_DIR, nlp, optimizer, {**loop.progress(step.finished), "data": run["data"], "config_sha256": run["config_sha256"]})
    finally:
        logger.finish()
    return output


def check_disabled(nlp: Language, T: dict, sourced: set[str], config_path) -> None:
    """`[nlp] disabled` components are not trained (as in spaCy), so only a sourced one, trained
    already, may be disabled. An auxiliary component trains enabled until it is saved (a trained
    pipeline's config, which lists it in both, trains as the config it came from)."""
    for name in T.get("auxiliary_components", []):
        nlp.enable_pipe(name)
    for name in nlp.disabled:
        if name not in sourced:
            raise ConfigError(
                f"{config_path}: [nlp] disabled names {name!r}, which would be saved untrained (a disabled component is not "
                "trained): give it a source pipeline, or list it in [training] auxiliary_components to train it and save it disabled"
            )


def check_annotation(nlp: Language, data: TrainingData, *, skip: bool, keep: set[str], config_path) -> None:
    """A component to train whose annotation the training corpus lacks, or has on under 1% of it
    (a tagger on a treebank without XPOS; see `debug_data.MIN_ANNOTATED_SHARE`), is an error, or with `[training] unannotated = "skip"` it is taken
    out of the pipeline (and of the saved config), so that one config serves any treebank.
    Frozen and sourced components (in `keep`) are not trained from the corpus: never checked."""
    from ..debug_data import unannotated_components

    missing = [name for name in unannotated_components(nlp, (eg.reference for eg in data.stream())) if name not in keep]
    if missing and not skip:
        raise ConfigError(
            f"{config_path}: the training corpus has no annotation for {', '.join(missing)} "
            f"({', '.join(nlp.get_pipe(missing[0]).assigns())}), or has it on under 1% of its tokens; remove it from the pipeline, "
            'or set [training] unannotated = "skip" to leave out such components'
        )
    for name in missing:
        nlp.remove_pipe(name)
        if distributed.is_main():
            Console(stderr=True).print(f"{name}: the training corpus has none of its annotation (or on under 1% of it); left out of the pipeline")


def _save_models(nlp: Language, loop: "Loop", output: Path, step: "Step", run: dict) -> None:
    """`model-last`, and `model-best` when the evaluation was the best so far, with the weights evaluated."""
    record = step.record
    # auxiliary components are saved disabled: loaded, not run (enable_pipe turns one on)
    with loop.evaluated_weights(), nlp.select_pipes(disable=list(loop.settings.auxiliary)):
        info = {**run, "performance": record["scores"], "score": record["score"], "step": record["step"], "weights_sha256": weights_sha256(nlp)}
        if step.is_best:
            nlp.to_disk(output / "model-best", extra_meta=info)
        nlp.to_disk(output / "model-last", extra_meta=info)


def _remove_stale_temporaries(output: Path) -> None:
    """Temporaries that a killed run left beside its outputs (see `atomic_path`)."""
    for name in ("model-best", "model-last", CHECKPOINT_DIR, "log.jsonl"):
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


@dataclass
class Step:
    """One training step, as `Loop.steps()` yields it.

    `record`: the evaluation after this step (epoch, step, seconds, words, losses, scores,
    score), None when there was none (or on a data-parallel rank other than 0); `is_best`:
    that evaluation scored best so far; `checkpoint`: a checkpoint is due; `finished`: the
    run ends here."""

    step: int
    epoch: int
    record: dict[str, Any] | None = None
    is_best: bool = False
    checkpoint: bool = False
    finished: bool = False


class Loop:
    """The steps of a run, with evaluations; see `steps()`.

    Every epoch starts from a recorded point (the shuffling RNG's state and how many values
    each batcher schedule has given). A resumed run goes back to the start of the checkpoint's
    epoch, draws the same order and the same batches again and skips the batches it has
    already trained on, so that it continues exactly where the killed run was, whatever
    the batcher does.
    """

    def __init__(self, nlp: Language, optimizer, data: TrainingData, dev_examples: list[Example], settings: Settings, *, rehearse: Rehearsal | None = None):
        self.nlp, self.optimizer, self.data, self.dev_examples = nlp, optimizer, data, dev_examples
        self.settings = settings
        self.rehearse = rehearse
        self.rng = random.Random(settings.seed)
        self.state = TrainingState()
        self.epoch_start: dict[str, Any] | None = None
        self.resumed_finished = False

    # --- checkpoints -------------------------------------------------------------------
    def _mark_epoch_start(self) -> None:
        self.epoch_start = {
            "shuffle_rng": rng_state_to_json(self.rng.getstate()),
            "schedules": {k: s.taken for k, s in self.settings.schedules.items()},
        }
        self.state.epoch_batches = self.state.epoch_items = 0

    def progress(self, finished: bool) -> dict[str, Any]:
        """The loop's state as JSON, for a checkpoint."""
        s = self.state
        return {
            "step": s.step, "epoch": s.epoch, "words": s.words, "best_score": s.best_score, "best_step": s.best_step,
            "losses": s.losses, "seconds": time.perf_counter() - s.started,
            "epoch_batches": s.epoch_batches, "epoch_items": s.epoch_items, "epoch_start": self.epoch_start,
            "rehearse_rng": rng_state_to_json(self.rehearse.rng.getstate()) if self.rehearse else None,
            "finished": finished,
        }

    def restore(self, progress: dict[str, Any]) -> None:
        """Go on from a checkpoint's `progress`."""
        s = self.state
        s.step, s.epoch, s.words = progress["step"], progress["epoch"], progress["words"]
        s.best_score, s.best_step, s.losses = progress["best_score"], progress["best_step"], progress["losses"]
        s.started = time.perf_counter() - progress["seconds"]
        s.epoch_batches, s.epoch_items = progress["epoch_batches"], progress["epoch_items"]
        self.epoch_start = progress["epoch_start"]
        self.rng.setstate(rng_state_from_json(self.epoch_start["shuffle_rng"]))
        for key, schedule in self.settings.schedules.items():
            schedule.advance_to(self.epoch_start["schedules"].get(key, 0))
        if self.rehearse and progress["rehearse_rng"]:
            self.rehearse.rng.setstate(rng_state_from_json(progress["rehearse_rng"]))
        self.resumed_finished = progress["finished"]

    # --- the loop --------------------------------------------------------------------------
    def finished(self, evaluated: bool) -> bool:
        """Whether the run is over: the one place that decides. Patience is judged only
        right after an evaluation (`evaluated`), when the best score is up to date."""
        s, st = self.state, self.settings
        return bool(
            (st.max_steps and s.step >= st.max_steps)
            or (st.max_epochs and s.epoch >= st.max_epochs)
            or (st.max_seconds and time.perf_counter() - s.started >= st.max_seconds)
            or (evaluated and st.patience and s.step - s.best_step >= st.patience)
        )

    def steps(self) -> Iterator[Step]:
        """Train, yielding after every step. A resumed run whose checkpoint ended the run
        yields nothing, unless the limits were raised since."""
        s, st = self.state, self.settings
        resumed = self.epoch_start is not None
        if resumed and self.resumed_finished and self.finished(evaluated=True):
            return
        while True:
            skip = s.epoch_batches if resumed else 0
            skipped_items = s.epoch_items
            if not resumed:
                self._mark_epoch_start()
            resumed = False
            evaluated = False
            for i, batch in enumerate(st.batcher(self.data.epoch(self.rng))):
                if i < skip:
                    skipped_items -= len(batch)
                    if i == skip - 1 and skipped_items != 0:
                        raise ConfigError("the training data or batcher differ from the checkpoint's; cannot resume")
                    continue
                self._update(batch)
                # Ranks step in lockstep, but only rank 0 evaluates and keeps the time: its word is final.
                stop = distributed.agree(self.finished(evaluated=False))
                evaluated = s.step % st.eval_frequency == 0 or stop
                record, is_best = None, False
                if evaluated:
                    if distributed.is_main():
                        record, is_best = self._evaluate()
                    stop = distributed.agree(self.finished(evaluated=True))
                checkpoint = evaluated or bool(st.checkpoint_every and s.step % st.checkpoint_every == 0)
                yield Step(s.step, s.epoch, record, is_best, checkpoint, stop)
                if stop:
                    return
            s.epoch += 1
            if self.finished(evaluated=evaluated):
                record, is_best = (None, False) if evaluated else self._evaluate()
                self._mark_epoch_start()
                yield Step(s.step, s.epoch, record, is_best, checkpoint=True, finished=True)
                return

    def _update(self, batch: list[Example]) -> None:
        s, st = self.state, self.settings
        s.epoch_batches += 1
        s.epoch_items += len(batch)
        if self.rehearse is not None:
            batch = batch + self.rehearse(sum(len(eg.predicted) for eg in batch))
        accumulate = st.accumulate_gradient
        for k in range(accumulate):
            last = k == accumulate - 1
            self.nlp.update(batch[k::accumulate], drop=st.dropout, sgd=self.optimizer if last else None, losses=s.losses, exclude=st.frozen)
        s.step += 1
        s.words += sum(len(eg.predicted) for eg in batch)

    @contextlib.contextmanager
    def evaluated_weights(self):
        """The weights that are evaluated and saved (the optimizer's averages, when it keeps them)."""
        with self.nlp.use_params(self.optimizer.averages if self.optimizer.use_averages else None):
            yield

    def _evaluate(self) -> tuple[dict[str, Any], bool]:
        """Score the dev set; the log record, and whether it is the best score so far."""
        s = self.state
        with self.evaluated_weights():
            scores = self.nlp.evaluate(self.dev_examples)
        score = combined_score(scores, self.settings.score_weights)
        record = {
            "epoch": s.epoch,
            "step": s.step,
            "seconds": round(time.perf_counter() - s.started, 3),
            "words": s.words,
            "losses": {k: round(v, 6) for k, v in s.losses.items()},
            "scores": {k: v for k, v in scores.items() if isinstance(v, (int, float))},
            "score": score,
        }
        s.losses = {}
        is_best = score > s.best_score
        if is_best:
            s.best_score, s.best_step = score, s.step
        return record, is_best


def weights_sha256(nlp: Language) -> dict[str, str]:
    """Per component, the sha256 of the `model.safetensors` that `to_disk` writes for it now
    (safetensors serializes equal tensors to equal bytes)."""
    out = {}
    for name, proc in nlp.components:
        if proc.model is not None:
            state = {k: v.detach().cpu().contiguous() for k, v in proc.model.state_dict().items()}
            out[name] = hashlib.sha256(safetensors.torch.save(state)).hexdigest()
    return out
