"""Reading and writing files.

Reading: line by line, decoded per line so that a bad byte is reported on the line
it sits on (a text-mode reader decodes in blocks and cannot say which line failed);
every converter, the entity ruler's patterns and the CoNLL 2018 scorer read this way.

Writing outputs: all or nothing (a temporary path renamed into place), with the modes
a plain `open()` gives. Every file and folder lexloom writes goes through here, archives
unpacked too (`extract_archive`: a fetched asset, `nlp.from_bytes`)."""
from __future__ import annotations

import codecs
import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from .errors import DataError, LexloomError


# --- reading --------------------------------------------------------------------------

Line = tuple[int, str]  # (1-based line number, text without the line break)


def read_lines(path: str | Path) -> Iterator[Line]:
    """Yield `(line_number, text)` for every line of a UTF-8 file (a BOM is dropped)."""
    path = Path(path)
    try:
        file = path.open("rb")
    except OSError as e:
        raise DataError(f"cannot read the file ({e.strerror})", path) from None
    with file:
        for number, raw in enumerate(file, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(
                    f"not UTF-8: byte 0x{raw[e.start]:02x} at column {e.start + 1}; re-encode the file as UTF-8",
                    path,
                    number,
                ) from None
            yield number, text.rstrip("\r\n")


def read_json_lines(path: str | Path) -> Iterator[tuple[int, object]]:
    """Yield `(line_number, value)` for every non-blank line of a JSONL file."""
    for number, text in read_lines(path):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError(f"invalid JSON at column {e.colno}: {e.msg}", path, number) from None
        except RecursionError:
            raise DataError("invalid JSON: nested too deeply", path, number) from None


def read_blocks(path: str | Path) -> Iterator[list[Line]]:
    """Yield the groups of non-blank lines that blank lines separate (one sentence each in CoNLL formats)."""
    block: list[Line] = []
    for number, text in read_lines(path):
        if text.strip():
            block.append((number, text))
        elif block:
            yield block
            block = []
    if block:
        yield block


# --- writing --------------------------------------------------------------------------

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


# --- archives -------------------------------------------------------------------------


def extract_archive(archive: Path, dest: Path) -> None:
    """Unpack a .tar(.gz/.bz2/.xz) or .zip into the folder `dest`, atomically.

    Every member must name a path inside `dest`: absolute names, `..` parts
    and links are refused before anything is written.
    """
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                _check_member(archive, name)
            with atomic_path(dest) as tmp:
                zf.extractall(tmp)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for member in members:
                _check_member(archive, member.name)
                if not (member.isfile() or member.isdir()):
                    raise DataError(f"archive member {member.name!r} is a link or device; refusing to unpack it", archive)
            with atomic_path(dest) as tmp:
                tf.extractall(tmp, members=members, filter="data")
    else:
        raise DataError("not a tar or zip archive, but the asset says `extract: true`", archive)


def _check_member(archive: Path, name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise DataError(f"archive member {name!r} would be written outside the destination folder", archive)


# --- paths and folders (spaCy's util helpers) ------------------------------------------


def ensure_path(path: Any) -> Any:
    """`path` as a Path where it is a string, else as it is (spaCy's `util.ensure_path`)."""
    return Path(path) if isinstance(path, str) else path


@contextlib.contextmanager
def working_dir(path: str | Path) -> Iterator[Path]:
    """Run the `with` block in the directory `path` (yielded, resolved), then go back."""
    previous = Path.cwd()
    current = Path(path).resolve()
    os.chdir(current)
    try:
        yield current
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def make_tempdir() -> Iterator[Path]:
    """A new empty directory for the `with` block, removed with what it holds at the end."""
    with tempfile.TemporaryDirectory() as path:
        yield Path(path)
