"""lexloom: reproducible NLP pipelines on PyTorch."""
import os

from .about import __version__

# torch's CPU kernels (oneDNN) keep a compiled primitive per tensor shape. Batches of
# sentences bring ever-new shapes, so the cache only grows: hundreds of MB over a
# training run, for almost no hits. Off unless the user sets it.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "0")

__all__ = ["__version__", "blank", "load"]


def blank(lang: str, **kwargs):
    """A pipeline with only a tokenizer for `lang` ("en", "xx", ...)."""
    from .language import Language

    return Language.blank(lang, **kwargs)


def load(name_or_path, **kwargs):
    """Load a pipeline from a directory or an installed package name."""
    from .language import load_pipeline

    return load_pipeline(name_or_path, **kwargs)
