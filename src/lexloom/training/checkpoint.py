"""Training checkpoints: everything a run needs to go on after a kill as if it never stopped.

`OUTPUT/checkpoint/` is written as one directory, atomically (a kill leaves the previous
checkpoint whole), and holds no pickles (`torch.save` is never used):

  model/                  the pipeline as `nlp.to_disk` writes it: config, labels, tables, weights
  optimizer.safetensors   AdamW's per-parameter tensors, keyed `PARAMETER/KEY` (`tagger.head.w/exp_avg`)
  optimizer.json          AdamW's param groups (by parameter name) and scalars, and the step count
                          (which is how many learning rates the schedule has handed out, less one)
  averages.safetensors    the parameter averages that are evaluated and saved
  rng.safetensors         torch's CPU RNG state, a uint8 tensor (and the GPU's, training on one)
  state.json              python's and numpy's global RNG states, and the loop's own progress
                          (step, epoch, words, best score, position in the epoch, its RNGs, ...)
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import ModelLoadError
from ..language import Language
from ..files import atomic_path, atomic_write_text
from .optimizer import Optimizer

CHECKPOINT_DIR = "checkpoint"
FORMAT_VERSION = 1


def save_checkpoint(path: Path, nlp: Language, optimizer: Optimizer, progress: dict[str, Any]) -> Path:
    """Write the checkpoint directory `path`; `progress` is the loop's JSON-able state."""
    with atomic_path(path) as tmp:
        tmp.mkdir(parents=True)
        nlp.to_disk(tmp / "model")
        tensors, groups = _optimizer_state(optimizer)
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        atomic_write_text(tmp / "optimizer.json", json.dumps(groups, indent=1, sort_keys=True))
        save_file({k: v.detach().cpu().contiguous() for k, v in optimizer.averages.items()}, str(tmp / "averages.safetensors"))
        save_file(_torch_rng_states(nlp.device), str(tmp / "rng.safetensors"))
        state = {
            "format_version": FORMAT_VERSION,
            "python_random": rng_state_to_json(random.getstate()),
            "numpy_random": _numpy_state_to_json(np.random.get_state(legacy=False)),
            "progress": progress,
        }
        atomic_write_text(tmp / "state.json", json.dumps(state, indent=1, sort_keys=True))
    return path


def load_checkpoint(path: Path, nlp: Language, optimizer: Optimizer, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Restore the pipeline's weights, `optimizer` (fresh from the config) and the global RNGs
    from the checkpoint at `path`; return the loop's progress as it was saved."""
    if not (path / "state.json").exists():
        raise ModelLoadError(f"{path}: no checkpoint to resume from (train with an --output first)")
    state = _read_json(path / "state.json")
    if state.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{path / 'state.json'}: checkpoint format {state.get('format_version')!r}, expected {FORMAT_VERSION}")
    for name, proc in nlp.components:
        proc.from_disk(path / "model" / name)
    _restore_optimizer(optimizer, nlp, _read_json(path / "optimizer.json"), _read_tensors(path / "optimizer.safetensors"), exclude)
    optimizer.averages = {k: v.to(nlp.device) for k, v in _read_tensors(path / "averages.safetensors").items()}
    rng = _read_tensors(path / "rng.safetensors")
    torch.set_rng_state(rng["torch_cpu"])
    if "torch_cuda" in rng and nlp.device.type == "cuda":
        torch.cuda.set_rng_state(rng["torch_cuda"], nlp.device)
    random.setstate(rng_state_from_json(state["python_random"]))
    np.random.set_state(_numpy_state_from_json(state["numpy_random"]))
    return state["progress"]


def _torch_rng_states(device: torch.device) -> dict[str, torch.Tensor]:
    """torch's CPU RNG state, and the GPU's where the pipeline trains on one (dropout draws there)."""
    states = {"torch_cpu": torch.get_rng_state()}
    if device.type == "cuda":
        states["torch_cuda"] = torch.cuda.get_rng_state(device)
    return states


def rng_state_to_json(state: tuple) -> list:
    """A `random.Random` state (version, 625 ints, gauss) as JSON."""
    version, internal, gauss = state
    return [version, list(internal), gauss]


def rng_state_from_json(data: list) -> tuple:
    version, internal, gauss = data
    return (version, tuple(internal), gauss)


def _numpy_state_to_json(state: dict) -> dict:
    inner = dict(state["state"])
    inner["key"] = inner["key"].tolist()
    return {**state, "state": inner}


def _numpy_state_from_json(data: dict) -> dict:
    inner = dict(data["state"])
    inner["key"] = np.asarray(inner["key"], dtype=np.uint32)
    return {**data, "state": inner}


def _optimizer_state(optimizer: Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """AdamW's state dict split into tensors (by parameter name) and a JSON part."""
    meta: dict[str, Any] = {"step_count": optimizer.step_count, "groups": [], "scalars": {}}
    tensors: dict[str, torch.Tensor] = {}
    if optimizer._torch is None:
        return tensors, meta
    names = [optimizer._names[id(p)] for group in optimizer._torch.param_groups for p in group["params"]]
    saved = optimizer._torch.state_dict()
    for group in saved["param_groups"]:
        meta["groups"].append({**{k: v for k, v in group.items() if k != "params"}, "params": [names[i] for i in group["params"]]})
    for index, param_state in saved["state"].items():
        for key, value in param_state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{names[index]}/{key}"] = value.detach().cpu().contiguous()
            else:
                meta["scalars"].setdefault(names[index], {})[key] = value
    return tensors, meta


def _restore_optimizer(optimizer: Optimizer, nlp: Language, meta: dict, tensors: dict[str, torch.Tensor], exclude: Iterable[str]) -> None:
    """Register the parameters in their saved groups and order, load AdamW's state, and
    advance the learning-rate schedule past the rates the saved run consumed."""
    named = {n: p for n, p in nlp.named_parameters(exclude=exclude) if p.requires_grad}
    order: list[str] = []
    for group in meta["groups"]:
        missing = [n for n in group["params"] if n not in named]
        if missing:
            raise ModelLoadError(f"checkpoint optimizer state names parameters the pipeline lacks: {missing[:5]}")
        optimizer._register([(n, named[n]) for n in group["params"]])
        order += group["params"]
    if order:
        state: dict[int, dict[str, Any]] = {i: dict(meta["scalars"].get(n, {})) for i, n in enumerate(order)}
        position = {n: i for i, n in enumerate(order)}
        for key, value in tensors.items():
            name, _, field = key.rpartition("/")
            state[position[name]][field] = value
        groups, start = [], 0
        for group in meta["groups"]:
            hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in group.items() if k != "params"}
            groups.append({**hyper, "params": list(range(start, start + len(group["params"])))})
            start += len(group["params"])
        optimizer._torch.load_state_dict({"state": {i: s for i, s in state.items() if s}, "param_groups": groups})
    for _ in range(int(meta["step_count"])):
        optimizer.learn_rate = next(optimizer._rates)
    optimizer.step_count = int(meta["step_count"])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: missing from the checkpoint") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelLoadError(f"{path}: corrupt checkpoint file ({e})") from None


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: missing from the checkpoint") from None
    except (SafetensorError, OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: corrupt checkpoint file ({e})") from None
