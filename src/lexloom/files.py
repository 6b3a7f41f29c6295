"""Writing outputs: all or nothing (a temporary path renamed into place), with the modes a
plain `open()` gives. Every file and folder lexloom writes goes through here."""
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
