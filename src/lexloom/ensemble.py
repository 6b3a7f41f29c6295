"""Join components trained apart into one pipeline that averages their probabilities.

`lexloom ensemble OUTPUT MEMBER MEMBER...`: the members are pipelines trained from one
config with different seeds (`--system.seed`), each stopped at its own best checkpoint.
The output is the first member's pipeline whose text classifiers and entity recognizers
hold the models of every member (`n_models` in the component's model config) and average
their probabilities. Its other components are the first member's. On a few hundred
training texts a model's scores move by a point or more with the seed; the average of
three independently trained models is better and steadier than any one
(benchmarks/RESULTS.md, "Text classification", "Named entities").

A component that listens to a shared tok2vec is joined with each member's tok2vec as its own.
The tok2vec component then goes, unless other components listen to it too (`configs/ner.cfg`'s
UPOS tagger): they keep the first member's, which runs once more at inference, or, where they
are all disabled (auxiliary components, trained for the tok2vec's sake), stays disabled with
them: `nlp.enable_pipe` it with them to run them. A text
classifier's own encoder reads only the first `max_tokens` tokens, where the shared tok2vec read
the whole text before it was cut, so on a longer text the joined classifier's probabilities
move a little (0.003 on a text of 9,131 tokens).
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Sequence

from torch import nn

from .errors import ConfigError
from .language import Language, load_pipeline
from .pipeline.base import TrainablePipe
from .pipeline.ner import EntityRecognizer
from .pipeline.textcat import TextCategorizer

# The components whose models can be averaged.
JOINABLE = (TextCategorizer, EntityRecognizer)
# Written by training, they describe one member's run, not the joined pipeline.
_RUN_META = ("performance", "score", "step", "weights_sha256")


def _model_config(nlp: Language, name: str) -> dict:
    """The component's config without `n_models`, the one thing members may differ in."""
    cfg = copy.deepcopy(dict(nlp.config["components"][name]))
    cfg.get("model", {}).pop("n_models", None)
    return cfg


def ensemble_pipelines(members: Sequence[str | Path], components: Sequence[str] | None = None) -> Language:
    """The first member's pipeline with each of `components` (default: every text classifier
    and entity recognizer) averaging the models of all members. Each member must have the
    component with the same config (`n_models` aside) and labels."""
    if len(members) < 2:
        raise ConfigError(f"an ensemble needs at least two member pipelines, got {len(members)}")
    pipelines = [load_pipeline(path, quantize=False) for path in members]
    first = pipelines[0]
    names = list(components) if components else [n for n, p in first.components if isinstance(p, JOINABLE)]
    if not names:
        raise ConfigError(f"{members[0]}: no text classifier or entity recognizer to join")
    for name in names:
        _join(name, pipelines, members)
    for key in _RUN_META:
        first.meta.pop(key, None)
    first.meta["ensemble"] = {"members": [str(m) for m in members], "components": names}
    return first


def _other_listeners(nlp: Language, pipe: TrainablePipe) -> list[str]:
    """The other components listening to the tok2vec `pipe` listens to."""
    upstream = pipe.listener.upstream
    return [n for n, p in nlp.components if n != pipe.name and p.listener is not None and p.listener.upstream == upstream]


def _own_encoder(nlp: Language, pipe: TrainablePipe) -> tuple[str | None, list[tuple[nn.Module, nn.Module | None]]]:
    """The component's (head, tok2vec) models, with the tok2vec it listens to as its own (a
    copy where other components keep listening to it); and the name of that tok2vec component
    (None if it owns its encoder)."""
    listener = pipe.listener
    if listener is None:
        return None, pipe.models()
    encoder = nlp.get_pipe(listener.upstream).model
    if _other_listeners(nlp, pipe):
        encoder = copy.deepcopy(encoder)
    return listener.upstream, [(head, encoder) for head, _ in pipe.models()]


def _join(name: str, pipelines: list[Language], members: Sequence[str | Path]) -> None:
    nlp = pipelines[0]
    first = nlp.get_pipe(name) if name in nlp.component_names else None
    if not isinstance(first, JOINABLE):
        raise ConfigError(f"{members[0]}: {name!r} is not a text classifier or entity recognizer in this pipeline ({nlp.component_names})")
    expected = _model_config(nlp, name)
    models: list[tuple[nn.Module, nn.Module | None]] = []
    for path, member in zip(members, pipelines):
        if name not in member.component_names:
            raise ConfigError(f"{path}: no component {name!r} (pipeline: {member.component_names})")
        pipe = member.get_pipe(name)
        if _model_config(member, name) != expected:
            raise ConfigError(f"{path}: [components.{name}] differs from {members[0]}'s; members must be trained from one config")
        if list(pipe.labels) != list(first.labels):
            raise ConfigError(f"{path}: {name!r} has labels {list(pipe.labels)}, {members[0]} has {list(first.labels)}")
        upstream, own = _own_encoder(member, pipe)
        models += own
    cfg = nlp.get_pipe_config(name)  # the section the pipeline's config is rebuilt from
    if upstream is not None:  # the shared tok2vec becomes each model's own
        cfg["model"]["tok2vec"] = copy.deepcopy(dict(nlp.get_pipe_config(upstream)["model"]))
        others = _other_listeners(nlp, first)
        if others:
            first.spec.tok2vec = copy.deepcopy(nlp.get_pipe(upstream).spec)
            if set(others) <= set(nlp.disabled):
                # only disabled (auxiliary) components listen to it now: it would run for nothing
                nlp.disable_pipe(upstream)
        else:
            first.spec.tok2vec = nlp.remove_pipe(upstream).spec
    first.spec.n_models = len(models)
    cfg["model"]["n_models"] = len(models)
    nlp.config["components"][name] = cfg
    heads, tok2vecs = zip(*models)
    first.model.head = nn.ModuleList(heads)
    first.model.tok2vec = None if tok2vecs[0] is None else nn.ModuleList(tok2vecs)
    first.model.to(nlp.device)
