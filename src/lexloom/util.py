"""Where spaCy users look for `minibatch`, `compounding`, `decaying`, `fix_random_seed`,
`registry`, `get_lang_class`, `load_config`, `is_package`, `compile_prefix_regex` (`_suffix_`,
`_infix_`), `filter_spans`, `get_words_and_spaces`, `ensure_path`, `working_dir`,
`make_tempdir`, `load_model` and `get_installed_models` (`from lexloom.util import minibatch,
registry`). They live elsewhere (training/, language.py, config/, lang/, packaging.py,
matcher.py, tokens/, files.py) and are re-exported here, imported on first use; `logger` is
the "lexloom" logger of Python's `logging`.

lexloom's own modules do not import this one: what they share lives where it belongs
(writing files in `files.py`, importing a user's code in `config/registry.py`), so that a
workflow stage depends on the code it runs and not on this namespace's re-exports.
"""
from __future__ import annotations

import logging

from .exports import lazy_exports

logger = logging.getLogger("lexloom")

# spaCy keeps these helpers in spacy.util; ours live where they belong, imported on first use
# (so that `import lexloom.util` stays light).
_REEXPORTS = {
    "minibatch": ("lexloom.training.batchers", "minibatch"),
    "minibatch_by_words": ("lexloom.training.batchers", "minibatch_by_words"),
    "compounding": ("lexloom.training.schedules", "compounding"),
    "decaying": ("lexloom.training.schedules", "decaying"),
    "fix_random_seed": ("lexloom.language", "set_seed"),
    "registry": ("lexloom.config.registry", "registry"),
    "get_lang_class": ("lexloom.language", "get_lang_class"),
    "load_config": ("lexloom.config.loading", "load_config"),
    "is_package": ("lexloom.packaging", "is_package"),
    "compile_prefix_regex": ("lexloom.lang.tokenizer", "compile_prefix_regex"),
    "compile_suffix_regex": ("lexloom.lang.tokenizer", "compile_suffix_regex"),
    "compile_infix_regex": ("lexloom.lang.tokenizer", "compile_infix_regex"),
    "filter_spans": ("lexloom.matcher", "filter_spans"),
    "get_words_and_spaces": ("lexloom.tokens.alignment", "get_words_and_spaces"),
    "ensure_path": ("lexloom.files", "ensure_path"),
    "working_dir": ("lexloom.files", "working_dir"),
    "make_tempdir": ("lexloom.files", "make_tempdir"),
    "load_model": ("lexloom", "load"),
}


def get_installed_models() -> list[str]:
    """The names of the pipeline packages installed (`packaging.installed_pipelines`)."""
    from lexloom.packaging import installed_pipelines

    return list(installed_pipelines())


__getattr__ = lazy_exports(__name__, _REEXPORTS)
