"""Small helpers used across the package.

Also where spaCy users look for `minibatch`, `compounding`, `decaying`,
`fix_random_seed` and `filter_spans` (`from lexloom.util import minibatch, compounding`);
all but the last live elsewhere (training/, language.py) and are re-exported here.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import LexloomError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only on success.

    Works for files and directories. On error the temporary is removed and an
    existing `path` is left as it was. What is renamed into place has the modes a
    plain `open()` or `mkdir()` gives (see `set_default_modes`).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise LexloomError(f"{path}: cannot write here ({e.strerror or e})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        set_default_modes(tmp)
        if path.is_dir() and not path.is_symlink():
            if _exchange(tmp, path):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old directory
            else:
                old = path.with_name(f".{path.name}.old-{os.getpid()}")
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException as e:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        if isinstance(e, OSError) and e.errno in _OUTPUT_ERRNOS:
            raise LexloomError(f"{path}: cannot write ({e.strerror}); {path.name} was left as it was") from e
        raise


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def set_default_modes(root: Path, umask: int | None = None) -> None:
    """Give `root` and everything below it the modes a plain `open()` or `mkdir()` would:
    0666 (0777 for directories and executables) minus the umask.

    Temporary files are created private (`mkstemp` and safetensors' writer use 0600), and
    a rename keeps that mode: without this, a model saved on a shared server or copied to
    a serving host could be read by its owner alone. `umask` overrides the process's own,
    e.g. 0o022 for what is packaged and shipped to other machines.
    """
    mask = current_umask() if umask is None else umask
    paths = [root, *root.rglob("*")] if root.is_dir() and not root.is_symlink() else [root]
    for p in paths:
        if p.is_symlink() or not p.exists():
            continue
        executable = p.is_dir() or p.stat().st_mode & 0o111
        p.chmod((0o777 if executable else 0o666) & ~mask)


# Failures of the output itself (as opposed to, say, an input read while writing).
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux `renameat2(RENAME_EXCHANGE)`), so that
    replacing a directory never leaves a moment where it is missing, even under SIGKILL.
    Returns False where the platform or file system cannot; callers fall back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def atomic_write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf8")
    return Path(path)


# spaCy keeps its batching helpers in spacy.util; ours live in training/, imported on first use
# (training/ imports this module, so an import at the top would be circular).
_REEXPORTS = {
    "minibatch": ("lexloom.training.batchers", "minibatch"),
    "minibatch_by_words": ("lexloom.training.batchers", "minibatch_by_words"),
    "compounding": ("lexloom.training.schedules", "compounding"),
    "decaying": ("lexloom.training.schedules", "decaying"),
    "fix_random_seed": ("lexloom.language", "set_seed"),
}


def __getattr__(name: str) -> Any:
    if name not in _REEXPORTS:
        raise AttributeError(f"module 'lexloom.util' has no attribute {name!r}")
    import importlib

    module, attr = _REEXPORTS[name]
    return getattr(importlib.import_module(module), attr)


def filter_spans(spans: Iterable) -> list:
    """Of overlapping Spans keep the longest (the first on ties), sorted by start; as
    `spacy.util.filter_spans`, e.g. before `doc.ents = filter_spans(spans)`."""
    from .matcher import longest_non_overlapping

    spans = list(spans)
    kept = longest_non_overlapping((k, s.start, s.end) for k, s in enumerate(spans))
    return [spans[k] for k, _, _ in kept]


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
