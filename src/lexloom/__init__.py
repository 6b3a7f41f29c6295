"""lexloom: reproducible NLP pipelines on PyTorch."""
from .about import __version__

__all__ = ["__version__", "blank", "load"]


def blank(lang: str, **kwargs):
    """A pipeline with only a tokenizer for `lang` ("en", "xx", ...)."""
    from .language import Language

    return Language.blank(lang, **kwargs)


def load(name_or_path, **kwargs):
    """Load a pipeline from a directory or an installed package name."""
    from .language import load_pipeline

    return load_pipeline(name_or_path, **kwargs)
