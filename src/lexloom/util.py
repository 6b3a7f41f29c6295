"""Small helpers used across the package."""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import LexloomError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only on success.

    Works for files and directories. On error the temporary is removed and an
    existing `path` is left as it was.
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
