"""spaCy v2's training idioms, kept working as thin aliases over the v3-style API.

Scripts written for spaCy v2 (and the example scripts its docs still link to) run
as written with `spacy` renamed to `lexloom`:

    ner = nlp.create_pipe("ner")                  # v3: ner = nlp.add_pipe("ner")
    nlp.add_pipe(ner, last=True)
    with nlp.disable_pipes(*other_pipes):         # v3: nlp.select_pipes(disable=...)
        optimizer = nlp.begin_training()          # v3: nlp.initialize()
        nlp.update(texts, annotations, sgd=optimizer)   # v3: Example.from_dict(...)
    tagger.add_label("N", {"pos": "NOUN"})        # a v2 tag map entry

Each alias warns once per process (a `V2APIWarning`, a FutureWarning) with the v3
spelling; silence them with
`warnings.filterwarnings("ignore", category=lexloom.compat.V2APIWarning)`.
`docs/spacy-users.md` lists them side by side.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .language import DisabledPipes
    from .pipeline.base import TrainablePipe


class V2APIWarning(FutureWarning):
    """A spaCy v2 spelling was used; it works, and the message names the v3 one."""


_warned: set[str] = set()


def warn_v2(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn, once per process for each `old` spelling, that `new` is preferred."""
    if old in _warned:
        return
    _warned.add(old)
    warnings.warn(f"{old} is spaCy v2's spelling; it still works in lexloom, but prefer {new}", V2APIWarning, stacklevel=stacklevel)


def v2_textcat_config(factory: str, config: dict) -> tuple[str, dict]:
    """v2's textcat settings as the v3 factory and model: `exclusive_classes=False` is
    `textcat_multilabel`; `architecture="bow"` the bag of n-grams alone (the others,
    "simple_cnn" and "ensemble", are the default ensemble)."""
    config = dict(config)
    if factory not in ("textcat", "textcat_multilabel"):
        return factory, config
    if not config.pop("exclusive_classes", True):
        factory = "textcat_multilabel"
    architecture = config.pop("architecture", None)
    if architecture == "bow":
        config["model"] = {"@architectures": "lexloom.TextCatBOW.v1"}
    elif architecture not in (None, "simple_cnn", "ensemble"):
        raise ValueError(f"textcat architecture {architecture!r}: use 'bow', 'simple_cnn' or 'ensemble'")
    return factory, config


class LanguageV2Aliases:
    """The v2 verbs of `Language` (mixed into it)."""

    def create_pipe(self, factory_name: str, name: str | None = None, config: dict | None = None) -> "TrainablePipe":
        """v2: make a component without adding it; `nlp.add_pipe(component, ...)` then adds it."""
        warn_v2("nlp.create_pipe(name) + nlp.add_pipe(component)", 'component = nlp.add_pipe("name", config={...})')
        factory_name, config = v2_textcat_config(factory_name, config or {})
        return self._create_component(factory_name, name or factory_name, config)

    def disable_pipes(self, *names: str) -> "DisabledPipes":
        """v2: disable components until the `with` block ends (or `.restore()`)."""
        warn_v2("nlp.disable_pipes(*names)", "nlp.select_pipes(disable=[...])")
        if len(names) == 1 and isinstance(names[0], (list, tuple)):
            names = tuple(names[0])
        return self.select_pipes(disable=list(names))

    def begin_training(self, get_examples=None, *, sgd=None, **_: Any):
        """v2: build the components' models; returns the optimizer."""
        warn_v2("nlp.begin_training()", "optimizer = nlp.initialize()")
        examples = (lambda: self._coerce_examples(list(get_examples()))) if get_examples is not None else None
        return self.initialize(examples, sgd=sgd)
