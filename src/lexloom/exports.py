"""Names a package shows where spaCy users look for them, imported on first use: the one
module `__getattr__` that `lexloom`, `lexloom.util` and `lexloom.training` share.

    __getattr__ = lazy_exports(__name__, {"Language": (".language", "Language")})

A module name may be relative to the package. Relative names also keep a workflow stage that
imports the package from counting them as code it runs (project/code_deps.py counts
"lexloom.x" strings).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable


def lazy_exports(package: str, names: dict[str, tuple[str, str]], submodules: Iterable[str] = ()) -> Callable[[str], Any]:
    """A module `__getattr__`: each of `names` ({name: (module, attribute)}) and each of the
    package's `submodules` imported when first asked for; an AttributeError for any other name."""
    submodules = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        if name in names:
            module, attr = names[name]
            return getattr(importlib.import_module(module, package), attr)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
