"""Function registries referenced from configs as `@architectures = "name"` etc."""
from __future__ import annotations

import sys
from pathlib import Path

import catalogue
import confection

from ..errors import LexloomError


class registry(confection.registry):
    architectures = catalogue.create("lexloom", "architectures", entry_points=True)
    schedules = catalogue.create("lexloom", "schedules", entry_points=True)
    optimizers = catalogue.create("lexloom", "optimizers", entry_points=True)
    batchers = catalogue.create("lexloom", "batchers", entry_points=True)
    readers = catalogue.create("lexloom", "readers", entry_points=True)
    augmenters = catalogue.create("lexloom", "augmenters", entry_points=True)
    loggers = catalogue.create("lexloom", "loggers", entry_points=True)
    scorers = catalogue.create("lexloom", "scorers", entry_points=True)
    tokenizers = catalogue.create("lexloom", "tokenizers", entry_points=True)
    factories = catalogue.create("lexloom", "factories", entry_points=True)
    languages = catalogue.create("lexloom", "languages", entry_points=True)
    misc = catalogue.create("lexloom", "misc", entry_points=True)


def import_code(path: str | Path):
    """Import a Python file of the user's own registrations (components, architectures,
    readers...), as `--code functions.py` does; returns the module."""
    import importlib.util
    import traceback

    path = Path(path)
    if not path.is_file():
        raise LexloomError(f"{path}: no such file (--code takes a Python file)")
    if not path.stem.isidentifier():
        raise LexloomError(f"{path}: --code takes a file whose name is a Python module name, like functions.py")
    name = f"lexloom_code_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        del sys.modules[name]
        raise LexloomError(f"{path}:{e.lineno}: {e.msg}") from None
    except Exception as e:
        del sys.modules[name]
        frame = next((f for f in reversed(traceback.extract_tb(e.__traceback__)) if Path(f.filename) == path), None)
        where = f"{path}:{frame.lineno}" if frame else str(path)
        raise LexloomError(f"{where}: importing it failed: {type(e).__name__}: {e}") from None
    return module
