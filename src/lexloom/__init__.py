"""lexloom: reproducible NLP pipelines on PyTorch."""
import os

from .about import __version__
from .exports import lazy_exports

# torch's CPU kernels (oneDNN) keep a compiled primitive per tensor shape. Batches of
# sentences bring ever-new shapes, so the cache only grows: hundreds of MB over a
# training run, for almost no hits. Off unless the user sets it.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "0")

__all__ = ["Language", "__version__", "blank", "explain", "info", "load", "prefer_gpu", "registry", "require_cpu", "require_gpu"]

# Submodules spaCy users reach as attributes (`lexloom.util.minibatch`, `lexloom.displacy.render`),
# imported on first use so that `import lexloom` stays light.
_SUBMODULES = {"attrs", "displacy", "language", "matcher", "symbols", "tokens", "training", "util"}
# What spaCy has at its top level and lexloom keeps elsewhere, imported on first use too:
# `spacy.Language`, `spacy.prefer_gpu()`, `@spacy.registry.architectures(...)`, `spacy.info()`.
# Module names are relative (see exports.py): a workflow stage that imports lexloom does not run them.
_REEXPORTS = {
    "Language": (".language", "Language"),
    "prefer_gpu": (".language", "prefer_gpu"),
    "require_gpu": (".language", "require_gpu"),
    "require_cpu": (".language", "require_cpu"),
    "registry": (".config.registry", "registry"),
    "info": (".packaging", "info"),
}
__getattr__ = lazy_exports(__name__, _REEXPORTS, _SUBMODULES)


def blank(lang: str, **kwargs):
    """A pipeline with only a tokenizer for `lang` ("en", "xx", ...)."""
    from .language import Language

    return Language.blank(lang, **kwargs)


def load(name_or_path, **kwargs):
    """Load a pipeline from a directory or an installed package name.

    `disable=[...]`: load these components but leave them disabled (`nlp.enable_pipe` turns
    one back on); `enable=[...]`: disable all others; `exclude=[...]`: do not load them at all.
    """
    from .language import load_pipeline

    return load_pipeline(name_or_path, **kwargs)


def explain(term: str) -> str | None:
    """What a label means, as spaCy's `spacy.explain`: `lexloom.explain("nsubj")` (glossary.py)."""
    from .glossary import explain as _explain

    return _explain(term)
