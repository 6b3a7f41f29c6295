"""Component factories and what each says about its components.

A factory is registered once, with its metadata; everything outside the component's own
file (the loop, the Scorer, debug-data, `init config`) asks the metadata or the component,
never a table of names:

    @Language.factory("my_tagger", default_config={"model": {...}}, assigns=["token.tag"],
                      default_score_weights={"tag_acc": 1.0}, listens=True, grows_labels=True)
    def make_my_tagger(nlp, name, model): ...

    @Language.component("lowercase_lemmas", assigns=["token.lemma"])
    def lowercase_lemmas(doc): ...

(`Language.factory` and `Language.component` are these two functions.)
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..config.registry import registry
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..tokens import Doc


@dataclass(frozen=True)
class FactoryMeta:
    """What a factory's components are.

    - `default_config`: the settings `add_pipe` and `init config` fill in;
    - `assigns` / `requires`: the annotations its components set / read, spaCy's
      spelling ("token.tag", "token.dep", "doc.ents", "doc.cats", "token._.my_attr");
    - `default_score_weights`: its score keys, each with its share of the combined
      training score (None: reported, not part of the combined score);
    - `listens`: its model reads the shared `tok2vec` in configs `init config` writes;
    - `grows_labels`: a trained component can add a label (a fresh output row);
    - `optimize`: its config for `init config --optimize efficiency|accuracy`, when that
      differs from `default_config`;
    - `retokenizes`: its components merge or split tokens (`nlp.analyze_pipes` reports it).
    """

    factory: str
    default_config: dict = field(default_factory=dict)
    assigns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    default_score_weights: dict[str, float | None] = field(default_factory=dict)
    listens: bool = False
    grows_labels: bool = False
    optimize: Callable[[str], dict] | None = None
    retokenizes: bool = False

    def config(self, optimize: str | None = None) -> dict:
        """A fresh copy of the default config (or of the `optimize` preset)."""
        if optimize is not None and self.optimize is not None:
            return self.optimize(optimize)
        return copy.deepcopy(self.default_config)


FACTORIES: dict[str, FactoryMeta] = {}


def factory(
    name: str,
    default_config: dict | None = None,
    *,
    assigns: Iterable[str] = (),
    requires: Iterable[str] = (),
    default_score_weights: dict[str, float | None] | None = None,
    listens: bool = False,
    grows_labels: bool = False,
    optimize: Callable[[str], dict] | None = None,
    retokenizes: bool = False,
    func: Callable | None = None,
):
    """Register `func(nlp, name, **config)` (a function or a class) as the component factory
    `name`, with its metadata (see `FactoryMeta`). A decorator, or a call with `func=`."""
    meta = FactoryMeta(
        name, dict(default_config or {}), tuple(assigns), tuple(requires), dict(default_score_weights or {}),
        listens, grows_labels, optimize, retokenizes,
    )

    def register(func: Callable) -> Callable:
        FACTORIES[name] = meta
        registry.factories.register(name, func=func)
        return func

    return register(func) if func is not None else register


def component(
    name: str,
    *,
    assigns: Iterable[str] = (),
    requires: Iterable[str] = (),
    default_score_weights: dict[str, float | None] | None = None,
    retokenizes: bool = False,
    func: Callable[["Doc"], "Doc"] | None = None,
):
    """Register a function from Doc to Doc as the component `name` (a decorator, or a call
    with `func=`): `nlp.add_pipe(name)` then runs it on every Doc. It has no settings."""

    def register(func: Callable) -> Callable:
        from .base import FunctionComponent

        def make(nlp, name: str) -> FunctionComponent:
            return FunctionComponent(nlp, name, func)

        factory(name, {}, assigns=assigns, requires=requires, default_score_weights=default_score_weights, retokenizes=retokenizes, func=make)
        return func

    return register(func) if func is not None else register


def get_factory_meta(name: str) -> FactoryMeta:
    """The metadata of the factory `name`; a ConfigError (a ValueError) listing the known ones if there is none."""
    try:
        return FACTORIES[name]
    except KeyError:
        raise ConfigError(
            f"no component factory {name!r}; available: {', '.join(sorted(FACTORIES))} "
            "(a component of your own: import its file with --code FILE)"
        ) from None


def has_factory(name: str) -> bool:
    return name in FACTORIES


def fill_defaults(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The factory's default config with `config` merged over it (sub-sections merged key by key,
    except where `config` gives a new `@architectures` function)."""
    return deep_merge(get_factory_meta(name).default_config, config)


def deep_merge(base: dict, update: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not any(key.startswith("@") for key in v):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out
