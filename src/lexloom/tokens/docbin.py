"""DocBin: many Docs in one `.lexloom` file.

The file is a ZIP archive (readable from any language) of:
  `meta.json`            format name and version, the token-table columns, the chunk list
  `strings.json`         the shared string table (a JSON list; id = position)
  `NNNNNN/tokens.npy`    chunk NNNNNN's token table, one row per token, columns in `attrs` order
  `NNNNNN/lengths.npy`   tokens per Doc in the chunk
  `NNNNNN/docs.json`     per Doc: cats, user_data (incl. `._` values) and span groups
                         (`"spans": {"sc": [[start, end, "LABEL"], ...]}`, token offsets)
Arrays use the narrowest integer type that holds them, and members are
deflated. Chunks let readers stream Docs without loading the whole file.
"""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import DataError
from ..util import atomic_path
from .doc import ATTRS, Doc
from .span import Span
from .strings import StringStore, Vocab

FORMAT = "lexloom-docbin"
VERSION = 1
CHUNK_DOCS = 2000


def _write(zf: zipfile.ZipFile, name: str, data: bytes | str) -> None:
    """Add a member with a fixed timestamp, so the same Docs always give the same bytes
    (reproducible corpora, and DVC sees an unchanged output as unchanged)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compresslevel=9)


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _narrow(arr: np.ndarray) -> np.ndarray:
    if not arr.size:
        return arr.astype(np.int8)
    lo, hi = int(arr.min()), int(arr.max())
    for dt in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return arr.astype(dt)
    return arr


def _encode_table(table: np.ndarray) -> np.ndarray:
    """Heads become relative (small numbers compress better); columns narrowed."""
    table = table.copy()
    head = ATTRS.index("head")
    known = table[:, head] >= 0
    rel = np.where(known, table[:, head] - np.arange(len(table)), 0)
    table[:, head] = np.where(known, rel, np.iinfo(np.int32).min)
    return table


def _decode_heads(col: np.ndarray, starts: np.ndarray) -> np.ndarray:
    col = col.astype(np.int64)
    unknown = col == np.iinfo(np.int32).min
    out = col + starts
    out[unknown] = -1
    return out


class DocBin:
    """Collects Docs and writes/reads them as one `.lexloom` file."""

    def __init__(self, docs: Iterable[Doc] = (), attrs: Iterable[str] = ATTRS, store_user_data: bool = True):
        self.attrs = tuple(attrs)
        self.store_user_data = store_user_data
        self.docs: list[Doc] = list(docs)
        self._path: Path | None = None

    def add(self, doc: Doc) -> None:
        self.docs.append(doc)

    def __len__(self) -> int:
        if self._path is not None and not self.docs:
            with zipfile.ZipFile(self._path) as zf:
                return int(json.loads(zf.read("meta.json"))["n_docs"])
        return len(self.docs)

    # --- writing -----------------------------------------------------------------
    def to_disk(self, path: str | Path) -> Path:
        return write_docbin(path, self.docs)

    # --- reading -------------------------------------------------------------------
    def from_disk(self, path: str | Path) -> "DocBin":
        path = Path(path)
        _open_checked(path).close()
        self._path = path
        self.docs = []
        return self

    def get_docs(self, vocab: Vocab | None = None) -> Iterator[Doc]:
        if self._path is None:
            yield from self.docs
            return
        yield from read_docbin(self._path, vocab)


def write_docbin(path: str | Path, docs: Iterable[Doc]) -> Path:
    """Stream `docs` into a `.lexloom` file, written to a temporary name then renamed."""
    path = Path(path)
    strings = StringStore()
    remap_cache: dict[int, np.ndarray] = {}
    chunks = []
    n_docs = 0
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        batch: list[Doc] = []

        def flush() -> None:
            name = f"{len(chunks):06d}"
            tables, lengths, extras = [], [], []
            for doc in batch:
                table = doc.to_array()
                # map ids of the doc's own string table into the file's table
                key = id(doc.vocab.strings)
                own = doc.vocab.strings
                remap = remap_cache.get(key)
                if remap is None or len(remap) < len(own):
                    old = remap if remap is not None else np.zeros(0, np.int64)
                    new = np.array([strings.add(own[i]) for i in range(len(old), len(own))], dtype=np.int64)
                    remap = np.concatenate([old, new])
                    remap_cache[key] = remap
                for a in ("orth", "tag", "pos", "morph", "lemma", "dep", "ent_type"):
                    c = ATTRS.index(a)
                    table[:, c] = remap[table[:, c]]
                tables.append(_encode_table(table))
                lengths.append(len(doc))
                extras.append(_doc_extras(doc))
            table = np.concatenate(tables) if tables else np.zeros((0, len(ATTRS)), np.int64)
            _write(zf, f"{name}/tokens.npy", _npy_bytes(_narrow_columns(table)))
            _write(zf, f"{name}/lengths.npy", _npy_bytes(_narrow(np.asarray(lengths, dtype=np.int64))))
            _write(zf, f"{name}/docs.json", json.dumps(extras, ensure_ascii=False, separators=(",", ":")))
            chunks.append({"name": name, "n_docs": len(batch)})
            batch.clear()

        for doc in docs:
            batch.append(doc)
            n_docs += 1
            if len(batch) >= CHUNK_DOCS:
                flush()
        if batch or not chunks:
            flush()
        _write(zf, "strings.json", json.dumps(strings.to_list(), ensure_ascii=False))
        meta = {"format": FORMAT, "version": VERSION, "attrs": list(ATTRS), "n_docs": n_docs, "chunks": chunks}
        _write(zf, "meta.json", json.dumps(meta))
    return path


def _doc_extras(doc: Doc) -> dict:
    """What a Doc holds beyond its token table, as JSON (only the keys it uses)."""
    # v2-style `{"POSITIVE": True}` categories are stored as the scores they stand for
    cats = {label: float(v) if isinstance(v, bool) else v for label, v in doc.cats.items()}
    extra: dict = {"cats": cats, "user_data": doc.user_data} if (doc.cats or doc.user_data) else {}
    groups = doc.__dict__.get("_span_groups")
    if groups:
        extra["spans"] = {name: [[s.start, s.end, s.label_] for s in group] for name, group in groups.items()}
    return extra


def _narrow_columns(table: np.ndarray) -> np.ndarray:
    """One structured array, each column as narrow as its values allow."""
    cols = [_narrow(table[:, i]) for i in range(table.shape[1])]
    dtype = np.dtype([(a, c.dtype) for a, c in zip(ATTRS, cols)])
    out = np.empty(len(table), dtype=dtype)
    for a, c in zip(ATTRS, cols):
        out[a] = c
    return out


def _open_checked(path: Path) -> zipfile.ZipFile:
    if not path.exists():
        raise DataError("no such file", path)
    try:
        zf = zipfile.ZipFile(path)
        meta = json.loads(zf.read("meta.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError, zlib.error) as e:
        raise DataError(f"not a .lexloom corpus ({e})", path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        zf.close()
        raise DataError(f"not a .lexloom corpus (format {meta.get('format') if isinstance(meta, dict) else None!r})", path)
    if not isinstance(meta.get("version", 0), int) or meta.get("version", 0) > VERSION:
        zf.close()
        raise DataError(f"written by a newer lexloom (format version {meta['version']} > {VERSION})", path)
    return zf


def read_docbin(path: str | Path, vocab: Vocab | None = None) -> Iterator[Doc]:
    """Stream the Docs of a `.lexloom` file, one chunk in memory at a time."""
    path = Path(path)
    vocab = vocab or Vocab()
    with _open_checked(path) as zf:
        try:
            meta = json.loads(zf.read("meta.json"))
            file_strings = json.loads(zf.read("strings.json"))
            remap = np.array([vocab.strings.add(s) for s in file_strings], dtype=np.int32)
            attrs = meta["attrs"]
            for chunk in meta["chunks"]:
                name = chunk["name"]
                table = np.load(io.BytesIO(zf.read(f"{name}/tokens.npy")), allow_pickle=False)
                lengths = np.load(io.BytesIO(zf.read(f"{name}/lengths.npy")), allow_pickle=False).astype(np.int64)
                extras = json.loads(zf.read(f"{name}/docs.json"))
                if len(extras) != len(lengths) or int(lengths.sum()) != len(table):
                    raise DataError(f"chunk {name} is inconsistent", path)
                offsets = np.concatenate([[0], np.cumsum(lengths)])
                for k, n in enumerate(lengths.tolist()):
                    rows = table[offsets[k] : offsets[k] + n]
                    yield _doc_from_rows(vocab, rows, attrs, remap, extras[k])
        except (KeyError, ValueError, IndexError, TypeError, AttributeError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as e:
            if isinstance(e, DataError):
                raise
            raise DataError(f"corrupt .lexloom corpus ({e})", path) from None


def _doc_from_rows(vocab: Vocab, rows: np.ndarray, attrs: list[str], remap: np.ndarray, extra: dict) -> Doc:
    doc = Doc.__new__(Doc)
    doc.vocab = vocab
    n = len(rows)
    for a in attrs:
        col = rows[a]
        if a in ("orth", "tag", "pos", "morph", "lemma", "dep", "ent_type"):
            setattr(doc, "_" + a, remap[col.astype(np.int64)])
        elif a == "head":
            doc._head = _decode_heads(col, np.arange(n)).astype(np.int32)
        elif a == "spaces":
            doc._spaces = col.astype(bool)
        else:
            setattr(doc, "_" + a, col.astype(np.int8))
    doc.cats = dict(extra.get("cats", {}))
    doc.user_data = dict(extra.get("user_data", {}))
    doc._offsets = None
    for name, spans in extra.get("spans", {}).items():
        doc.spans[name] = [Span(doc, start, end, label) for start, end, label in spans]
    return doc
