"""Fetching a project's assets: downloads that survive flaky networks and never leave half a file.

A download goes to `<dest>.part`, resumes from that file's size with an HTTP
Range request after a dropped connection (here or in an earlier run), is
retried with exponential backoff on network errors and 5xx/429 answers, is
checked against its sha256, and only then renamed onto `dest`. A wrong
checksum deletes the partial file: resuming a corrupt file cannot fix it.
Bundled assets (`path:`) are copied the same atomic way. Archives
(`extract: true`) are unpacked into `dest` only after every member has been
checked to stay inside it.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..files import atomic_path, extract_archive
from .schema import Project, Source

CHUNK_SIZE = 1 << 16
#: HTTP statuses worth retrying: the server may answer differently in a moment.
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Fetched:
    """What happened to one asset. `verified` is False when no sha256 was given to check."""

    dest: Path
    action: str  # "copied", "downloaded" or "up to date"
    sha256: str
    verified: bool


class _Retryable(Exception):
    """A failure that another attempt may not have (dropped connection, 503...)."""


def fetch_assets(project: Project, dataset: str | None = None, *, retries: int = 4, backoff: float = 1.0, timeout: float = 60.0) -> list[Fetched]:
    """Fetch every asset of `dataset` (default: the project's `vars.dataset`) into its `dest`."""
    results = []
    for asset, source in project.asset_sources(dataset):
        dest = project.root / asset.dest
        if source.path is not None:
            results.append(copy_bundled(project.root / source.path, dest, extract=source.extract))
        else:
            results.append(fetch_url(source, dest, retries=retries, backoff=backoff, timeout=timeout))
    return results


def copy_bundled(src: Path, dest: Path, *, extract: bool = False) -> Fetched:
    """Copy (or unpack, if `extract`) a file that ships with the repository."""
    if not src.is_file():
        raise DataError("bundled asset not found", src)
    digest = sha256_of(src)
    if extract:
        extract_archive(src, dest)
    else:
        with atomic_path(dest) as tmp:
            shutil.copyfile(src, tmp)
    return Fetched(dest, "copied", digest, verified=False)


def fetch_url(source: Source, dest: Path, *, retries: int = 4, backoff: float = 1.0, timeout: float = 60.0) -> Fetched:
    """Download `source.url` to `dest` (unpacking it there if `source.extract`)."""
    assert source.url is not None
    if not source.extract and source.sha256 and dest.is_file() and sha256_of(dest) == source.sha256:
        return Fetched(dest, "up to date", source.sha256, verified=True)
    target = dest.with_name(dest.name + ".archive") if source.extract else dest
    digest = download(source.url, target, sha256=source.sha256, retries=retries, backoff=backoff, timeout=timeout)
    if source.extract:
        try:
            extract_archive(target, dest)
        finally:
            target.unlink(missing_ok=True)
    return Fetched(dest, "downloaded", digest, verified=source.sha256 is not None)


def download(url: str, dest: Path, *, sha256: str | None = None, retries: int = 4, backoff: float = 1.0, timeout: float = 60.0) -> str:
    """Download `url` to `dest` atomically and return the file's sha256.

    Tries `1 + retries` times, sleeping `backoff * 2**attempt` seconds between
    tries; each try continues `<dest>.part` where the last one stopped.
    Raises DataError when the checksum differs (and deletes the partial file)
    or when every try failed (keeping the partial file for the next run).
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            _download_once(url, part, timeout)
            break
        except _Retryable as e:
            if attempt == retries:
                raise DataError(f"download failed after {retries + 1} attempts: {e} (partial data kept in {part.name} for the next run)", url) from None
            time.sleep(backoff * 2**attempt)
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256:
        part.unlink()
        raise DataError(f"sha256 mismatch: expected {sha256}, got {digest}; the download was deleted", url)
    os.replace(part, dest)
    return digest


def _download_once(url: str, part: Path, timeout: float) -> None:
    """One request: continue `part` from its current size; raise _Retryable on transient failures."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "lexloom-assets"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # nothing left to send: the partial file is already whole
            return
        if e.code in RETRY_STATUSES:
            raise _Retryable(f"HTTP {e.code} {e.reason}") from None
        raise DataError(f"HTTP {e.code} {e.reason}", url) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        raise _Retryable(str(getattr(e, "reason", e)) or type(e).__name__) from None
    with response:
        resumed = offset and response.status == 206
        if resumed and not response.headers.get("Content-Range", "").startswith(f"bytes {offset}-"):
            part.unlink()
            raise _Retryable(f"server resumed at the wrong offset ({response.headers.get('Content-Range')!r}); starting over")
        expected = response.headers.get("Content-Length")
        received = 0
        try:
            with open(part, "ab" if resumed else "wb") as out:
                while chunk := response.read(CHUNK_SIZE):
                    out.write(chunk)
                    received += len(chunk)
        except (http.client.HTTPException, OSError) as e:  # IncompleteRead, resets, timeouts
            raise _Retryable(f"connection dropped: {e}") from None
    if expected is not None and received < int(expected):
        raise _Retryable(f"connection dropped after {received} of {expected} bytes")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


