"""Seeds moved by LEXLOOM_SEED_SHIFT, in every Python process of a `--seed-shift` test run.

conftest.py puts this folder on PYTHONPATH, so the processes the suite starts (the `lexloom`
command, Snakemake, DVC, data-parallel workers) move their seeds exactly as the test process
does; a run in a subprocess and one in-process stay comparable bit for bit. Seeds given to
`random.seed`, `numpy.random.seed` and `torch.manual_seed` get the shift added; torch is patched
when it is first imported, so processes that never import it pay nothing.
"""
import importlib.abc
import importlib.util
import os
import random
import sys

SHIFT = int(os.environ.get("LEXLOOM_SEED_SHIFT") or 0)
_patched: set[str] = set()


def _shift(module, name: str) -> None:
    key = f"{module.__name__}.{name}"
    if key in _patched:
        return
    _patched.add(key)
    original = getattr(module, name)
    setattr(module, name, lambda seed=None: original(None if seed is None else int(seed) + SHIFT))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patch a module's seed function right after the module is first imported."""

    targets = {"torch": "manual_seed", "numpy.random": "seed"}

    def find_spec(self, name, path=None, target=None):
        if name not in self.targets:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _shift(module, self.targets[name])

        spec.loader.exec_module = exec_and_patch
        return spec


def install() -> None:
    """Once per process, whether this file is run as `sitecustomize` at start-up or loaded by
    conftest.py into a process that started before the variable was set."""
    if not SHIFT or getattr(random, "_lexloom_seed_shift", None) is not None:
        return
    random._lexloom_seed_shift = SHIFT
    _shift(random, "seed")
    for name, function in _PatchOnImport.targets.items():
        if name in sys.modules:
            _shift(sys.modules[name], function)
    sys.meta_path.insert(0, _PatchOnImport())


install()
