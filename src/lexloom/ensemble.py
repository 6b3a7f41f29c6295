"""Join text classifiers trained apart into one pipeline that averages their probabilities.

`lexloom ensemble OUTPUT MEMBER MEMBER...`: the members are pipelines trained from one
config with different seeds (`--system.seed`), each stopped at its own best checkpoint.
The output is the first member's pipeline whose text classifiers hold the models of every
member (`n_models` in the component's model config) and average their probabilities. Its
other components are the first member's. On a few hundred training texts a model's scores
move by a point or more with the seed; the average of three independently trained models
is better and steadier than any one (benchmarks/RESULTS.md, "Text classification").
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Sequence

from torch import nn

from .errors import ConfigError
from .language import Language, load_pipeline
from .pipeline.textcat import TextCategorizer

# Written by training, they describe one member's run, not the joined pipeline.
_RUN_META = ("performance", "score", "step", "weights_sha256")


def _model_config(nlp: Language, name: str) -> dict:
    """The component's config without `n_models`, the one thing members may differ in."""
    cfg = copy.deepcopy(dict(nlp.config["components"][name]))
    cfg.get("model", {}).pop("n_models", None)
    return cfg


def ensemble_pipelines(members: Sequence[str | Path], components: Sequence[str] | None = None) -> Language:
    """The first member's pipeline with each of `components` (default: every text classifier)
    averaging the models of all members. Each member must have the component with the same
    config (`n_models` aside) and labels, and the component must own its token encoder."""
    if len(members) < 2:
        raise ConfigError(f"an ensemble needs at least two member pipelines, got {len(members)}")
    pipelines = [load_pipeline(path, quantize=False) for path in members]
    first = pipelines[0]
    names = list(components) if components else [n for n, p in first.components if isinstance(p, TextCategorizer)]
    if not names:
        raise ConfigError(f"{members[0]}: no text classifier (textcat, textcat_multilabel) to join")
    for name in names:
        _join(name, pipelines, members)
    for key in _RUN_META:
        first.meta.pop(key, None)
    first.meta["ensemble"] = {"members": [str(m) for m in members], "components": names}
    return first


def _join(name: str, pipelines: list[Language], members: Sequence[str | Path]) -> None:
    first = pipelines[0].get_pipe(name) if name in pipelines[0].component_names else None
    if not isinstance(first, TextCategorizer):
        raise ConfigError(f"{members[0]}: {name!r} is not a text classifier in this pipeline ({pipelines[0].component_names})")
    if first.listener is not None:
        raise ConfigError(
            f"{members[0]}: {name!r} listens to the shared {first.listener.upstream!r}; only a text classifier with its own "
            "token encoder (or a bag of n-grams alone) can be joined, since the members' shared encoders differ"
        )
    expected = _model_config(pipelines[0], name)
    models: list[tuple[nn.Module, nn.Module | None]] = []
    for path, nlp in zip(members, pipelines):
        if name not in nlp.component_names:
            raise ConfigError(f"{path}: no component {name!r} (pipeline: {nlp.component_names})")
        pipe = nlp.get_pipe(name)
        if _model_config(nlp, name) != expected:
            raise ConfigError(f"{path}: [components.{name}] differs from {members[0]}'s; members must be trained from one config")
        if list(pipe.labels) != list(first.labels):
            raise ConfigError(f"{path}: {name!r} has labels {list(pipe.labels)}, {members[0]} has {list(first.labels)}")
        models += pipe.models()
    first.spec.n_models = len(models)
    pipelines[0].config["components"][name]["model"]["n_models"] = len(models)
    heads, tok2vecs = zip(*models)
    first.model.head = nn.ModuleList(heads)
    first.model.tok2vec = None if tok2vecs[0] is None else nn.ModuleList(tok2vecs)
    first.model.to(pipelines[0].device)
