"""DocBin: many Docs in one `.lexloom` file.

The file is a ZIP archive (readable from any language) of:
  `meta.json`            format name and version, the token-table columns, the chunk list
  `strings.json`         the shared string table (a JSON list; id = position)
  `NNNNNN/tokens.npy`    chunk NNNNNN's token table, one row per token, columns in `attrs` order
                         (the optional ones, entity ids and set norms, only where the chunk has them)
  `NNNNNN/lengths.npy`   tokens per Doc in the chunk
  `NNNNNN/docs.json`     per Doc: cats, user_data (incl. `._` values), a set `sentiment`, and span groups
                         (`"spans": {"sc": [[start, end, "LABEL"], ...]}`, token offsets; a span
                         with a knowledge-base id or an id is `[start, end, "LABEL", "KB_ID", "ID"]`)
Arrays use the narrowest integer type that holds them, and members are
deflated. Chunks let readers stream Docs without loading the whole file.

Version 2 added the optional columns, the longer spans and `sentiment`; a file without them is
written as version 1, the same bytes as before, which older readers read.
"""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

import numpy as np

from ..errors import DataError
from ..files import atomic_path
from .doc import ATTRS, STRING_ATTRS, Doc
from .span import Span
from .strings import StringStore, Vocab

FORMAT = "lexloom-docbin"
VERSION = 2
CHUNK_DOCS = 2000
#: Token columns written only in a chunk where some token has a value (entity ids, set norms).
OPTIONAL_ATTRS = ("ent_kb_id", "ent_id", "norm")


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
    """Collects Docs and writes/reads them as one `.lexloom` file (or its bytes)."""

    def __init__(self, docs: Iterable[Doc] = (), attrs: Iterable[str] = ATTRS, store_user_data: bool = True):
        self.attrs = tuple(attrs)
        self.store_user_data = store_user_data
        self.docs: list[Doc] = list(docs)
        self._source: Path | bytes | None = None  # a file or bytes read lazily by get_docs

    def add(self, doc: Doc) -> None:
        self._read_source()
        self.docs.append(doc)

    def merge(self, other: "DocBin") -> None:
        """Add the Docs of `other` after these (spaCy's `DocBin.merge`)."""
        if not isinstance(other, DocBin):
            raise TypeError(f"DocBin.merge takes another DocBin, not {type(other).__name__}")
        self._read_source()
        self.docs.extend(other.get_docs())

    def _read_source(self) -> None:
        """Read the Docs of the file or bytes this DocBin was loaded from, to add to them."""
        if self._source is not None:
            self.docs, self._source = list(read_docbin(self._source)), None

    def __len__(self) -> int:
        if self._source is not None and not self.docs:
            with _open_checked(self._source) as zf:
                return int(json.loads(zf.read("meta.json"))["n_docs"])
        return len(self.docs)

    # --- writing -----------------------------------------------------------------
    def to_disk(self, path: str | Path) -> Path:
        return write_docbin(path, self.get_docs())

    def to_bytes(self) -> bytes:
        """The `.lexloom` file's bytes (spaCy's `DocBin.to_bytes`)."""
        buffer = io.BytesIO()
        _write_zip(buffer, self.get_docs())
        return buffer.getvalue()

    # --- reading -------------------------------------------------------------------
    def from_disk(self, path: str | Path) -> "DocBin":
        return self._read_from(Path(path))

    def from_bytes(self, data: bytes) -> "DocBin":
        return self._read_from(bytes(data))

    def _read_from(self, source: Path | bytes) -> "DocBin":
        _open_checked(source).close()
        self._source = source
        self.docs = []
        return self

    def get_docs(self, vocab: Vocab | None = None) -> Iterator[Doc]:
        if self._source is None:
            yield from self.docs
            return
        yield from read_docbin(self._source, vocab)


def write_docbin(path: str | Path, docs: Iterable[Doc]) -> Path:
    """Stream `docs` into a `.lexloom` file, written to a temporary name then renamed."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_zip(tmp, docs)
    return path


def _write_zip(target: Path | IO[bytes], docs: Iterable[Doc]) -> None:
    strings = StringStore()
    remap_cache: dict[int, np.ndarray] = {}
    chunks = []
    n_docs = 0
    used: set[str] = set()  # what version 1 lacks: the optional columns written, "spans" with ids, "sentiment"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
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
                for a in STRING_ATTRS:
                    c = ATTRS.index(a)
                    table[:, c] = remap[table[:, c]]
                tables.append(_encode_table(table))
                lengths.append(len(doc))
                extras.append(_doc_extras(doc, used))
            table = np.concatenate(tables) if tables else np.zeros((0, len(ATTRS)), np.int64)
            columns = [a for a in ATTRS if a not in OPTIONAL_ATTRS or table[:, ATTRS.index(a)].any()]
            used.update(a for a in columns if a in OPTIONAL_ATTRS)
            _write(zf, f"{name}/tokens.npy", _npy_bytes(_narrow_columns(table, columns)))
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
        attrs = [a for a in ATTRS if a not in OPTIONAL_ATTRS or a in used]
        meta = {"format": FORMAT, "version": VERSION if used else 1, "attrs": attrs, "n_docs": n_docs, "chunks": chunks}
        _write(zf, "meta.json", json.dumps(meta))


def _doc_extras(doc: Doc, used: set[str]) -> dict:
    """What a Doc holds beyond its token table, as JSON (only the keys it uses); adds to `used`
    what version 1 lacks: "sentiment", and "spans" where a span has a knowledge-base id or an id."""
    # v2-style `{"POSITIVE": True}` categories are stored as the scores they stand for
    cats = {label: float(v) if isinstance(v, bool) else v for label, v in doc.cats.items()}
    extra: dict = {"cats": cats, "user_data": doc.user_data} if (doc.cats or doc.user_data) else {}
    if doc.sentiment:
        extra["sentiment"] = doc.sentiment
        used.add("sentiment")
    groups = doc.__dict__.get("_span_groups")
    if groups:
        extra["spans"] = {name: [_span_entry(s, used) for s in group] for name, group in groups.items()}
    return extra


def _span_entry(span: Span, used: set[str]) -> list:
    """A span of docs.json: [start, end, label], or [start, end, label, kb_id, id]."""
    if span.kb_id_ or span.id_:
        used.add("spans")
        return [span.start, span.end, span.label_, span.kb_id_, span.id_]
    return [span.start, span.end, span.label_]


def _span_from_entry(doc: Doc, entry: list) -> Span:
    start, end, label, kb_id, span_id = entry if len(entry) == 5 else [*entry, "", ""]
    return Span(doc, start, end, label, kb_id=kb_id, span_id=span_id)


def _narrow_columns(table: np.ndarray, columns: list[str]) -> np.ndarray:
    """The `columns` of a token table as one structured array, each as narrow as its values allow."""
    cols = [_narrow(table[:, ATTRS.index(a)]) for a in columns]
    dtype = np.dtype([(a, c.dtype) for a, c in zip(columns, cols)])
    out = np.empty(len(table), dtype=dtype)
    for a, c in zip(columns, cols):
        out[a] = c
    return out


#: What errors name as the file when a corpus comes as bytes (DocBin.from_bytes).
BYTES_SOURCE = Path("<bytes>")


def _open_checked(source: Path | bytes) -> zipfile.ZipFile:
    path = BYTES_SOURCE if isinstance(source, bytes) else source
    if not isinstance(source, bytes) and not path.exists():
        raise DataError("no such file", path)
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else path)
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


def read_docbin(source: str | Path | bytes, vocab: Vocab | None = None) -> Iterator[Doc]:
    """Stream the Docs of a `.lexloom` file, one chunk in memory at a time.

    Everything is checked before a Doc is made of it (types, lengths, string ids, heads,
    entity codes, categories): what loads can be trained on, and what cannot is a
    DataError naming the file, the doc and what is wrong.
    """
    source = source if isinstance(source, bytes) else Path(source)
    path = BYTES_SOURCE if isinstance(source, bytes) else source
    vocab = vocab or Vocab()
    with _open_checked(source) as zf:
        try:
            meta = json.loads(zf.read("meta.json"))
            file_strings = json.loads(zf.read("strings.json"))
            attrs, chunks = _check_meta(meta, path)
            _check_strings(file_strings, path)
            # Entries that are not strings (e.g. integer labels) fail the doc that uses them.
            remap = np.array([vocab.strings.add(s) if isinstance(s, str) else 0 for s in file_strings], dtype=np.int32)
            first_doc = 0
            for chunk in chunks:
                name = chunk["name"]
                table = np.load(io.BytesIO(zf.read(f"{name}/tokens.npy")), allow_pickle=False)
                lengths = np.load(io.BytesIO(zf.read(f"{name}/lengths.npy")), allow_pickle=False)
                extras = json.loads(zf.read(f"{name}/docs.json"))
                check = _ChunkCheck(path, name, first_doc)
                lengths, columns = check.arrays(table, lengths, extras, attrs, chunk)
                check.values(table, lengths, columns, file_strings)
                offsets = np.concatenate([[0], np.cumsum(lengths)])
                for k, n in enumerate(lengths.tolist()):
                    rows = table[offsets[k] : offsets[k] + n]
                    yield _doc_from_rows(vocab, rows, columns, remap, extras[k])
                first_doc += len(lengths)
        except (KeyError, ValueError, IndexError, TypeError, AttributeError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as e:
            if isinstance(e, DataError):
                raise
            raise DataError(f"corrupt .lexloom corpus ({type(e).__name__}: {e})", path) from None


def _check_meta(meta: dict, path: Path) -> tuple[list[str], list[dict]]:
    attrs, chunks = meta.get("attrs"), meta.get("chunks")
    if not isinstance(attrs, list) or "orth" not in attrs or not set(attrs) <= set(ATTRS) or len(set(attrs)) != len(attrs):
        raise DataError(f"meta.json: attrs must list distinct token columns of {list(ATTRS)}, including orth; got {attrs!r}", path)
    if not isinstance(chunks, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in chunks):
        raise DataError("meta.json: chunks must be a list of {\"name\": ..., \"n_docs\": ...}", path)
    return attrs, chunks


def _check_strings(strings: list, path: Path) -> None:
    if not isinstance(strings, list) or not strings or strings[0] != "":
        raise DataError("strings.json: expected a JSON list of strings starting with \"\"", path)


_CODES = {"spaces": (0, 1), "sent_start": (-1, 1), "ent_iob": (0, 3)}


class _ChunkCheck:
    """The checks of one chunk; errors name the file and the doc (counted from 0 in the file)."""

    def __init__(self, path: Path, name: str, first_doc: int):
        self.path, self.name, self.first_doc = path, name, first_doc

    def fail(self, message: str, doc: int | None = None) -> None:
        where = f"doc {self.first_doc + doc}" if doc is not None else f"chunk {self.name}"
        raise DataError(f"{where}: {message}", self.path)

    def arrays(self, table: np.ndarray, lengths: np.ndarray, extras: list, attrs: list[str], chunk: dict) -> tuple[np.ndarray, list[str]]:
        """The chunk's lengths and its token columns: `attrs`, less optional ones it lacks."""
        names = list(table.dtype.names or ())
        if table.ndim != 1 or names != [a for a in attrs if a in names or a not in OPTIONAL_ATTRS]:
            self.fail(f"tokens.npy must be a table with the columns {attrs}, not {table.dtype} of shape {table.shape}")
        for a in names:
            if table.dtype[a].kind not in "iub":
                self.fail(f"tokens.npy column {a!r} must hold integers, not {table.dtype[a]}")
        if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or (lengths < 0).any():
            self.fail(f"lengths.npy must be non-negative integers, not {lengths.dtype} of shape {lengths.shape}")
        lengths = lengths.astype(np.int64)
        if int(lengths.sum()) != len(table):
            self.fail(f"lengths.npy counts {int(lengths.sum())} tokens, tokens.npy has {len(table)}")
        if chunk.get("n_docs", len(lengths)) != len(lengths):
            self.fail(f"meta.json says {chunk.get('n_docs')!r} docs, lengths.npy has {len(lengths)}")
        if not isinstance(extras, list) or len(extras) != len(lengths):
            self.fail(f"docs.json must be a list of one object per doc ({len(lengths)})")
        for k, extra in enumerate(extras):
            if not isinstance(extra, dict):
                self.fail(f"docs.json entry must be an object, not {type(extra).__name__}", k)
            cats, user_data = extra.get("cats", {}), extra.get("user_data", {})
            if not isinstance(cats, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in cats.values()
            ):
                self.fail(f"cats must map labels to scores from 0 to 1, not {cats!r}"[:200], k)
            if not all(isinstance(c, str) and c for c in cats):
                self.fail(f"category labels must be non-empty strings, not {list(cats)!r}"[:200], k)
            if not isinstance(user_data, dict):
                self.fail(f"user_data must be an object, not {type(user_data).__name__}", k)
            sentiment = extra.get("sentiment", 0.0)
            if not isinstance(sentiment, (int, float)) or isinstance(sentiment, bool):
                self.fail(f"sentiment must be a number, not {sentiment!r}"[:200], k)
            self.span_groups(extra.get("spans", {}), int(lengths[k]), k)
        return lengths, names

    def span_groups(self, groups: object, n_tokens: int, k: int) -> None:
        """`{"name": [[start, end, "LABEL"], ...]}` with token offsets inside the doc, each span
        perhaps with its knowledge-base id and id after the label."""
        if not isinstance(groups, dict):
            self.fail(f"spans must map group names to lists of spans, not {type(groups).__name__}", k)
        for name, spans in groups.items():
            for span in spans if isinstance(spans, list) else [spans]:
                if not (
                    isinstance(span, list) and len(span) in (3, 5) and all(type(x) is int for x in span[:2])
                    and 0 <= span[0] <= span[1] <= n_tokens and all(isinstance(x, str) for x in span[2:])
                ):
                    self.fail(f"span group {name!r}: {span!r} is not [start, end, \"LABEL\"(, \"KB_ID\", \"ID\")] inside the doc's {n_tokens} tokens"[:300], k)

    def values(self, table: np.ndarray, lengths: np.ndarray, attrs: list[str], strings: list) -> None:
        doc_of = np.repeat(np.arange(len(lengths)), lengths)
        starts = np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        not_str = np.array([not isinstance(x, str) for x in strings])
        for a in attrs:
            col = table[a].astype(np.int64)
            if a in STRING_ATTRS:
                unset = (col == 0) if a == "orth" else False  # every token has a word
                self._first_bad((col < 0) | (col >= len(strings)) | unset, doc_of, starts,
                                lambda i: f"{a} string id {col[i]} is not in strings.json ({len(strings)} entries)")
                self._first_bad(not_str[col], doc_of, starts,
                                lambda i: f"its {a} is {strings[col[i]]!r} ({type(strings[col[i]]).__name__}), not a string")
            elif a == "head":
                heads = _decode_heads(table[a], np.arange(len(table)))
                outside = (heads != -1) & ((heads < starts) | (heads >= starts + lengths[doc_of]))
                self._first_bad(outside, doc_of, starts, lambda i: f"its head is outside the doc's {lengths[doc_of[i]]} tokens")
            else:
                lo, hi = _CODES[a]
                self._first_bad((col < lo) | (col > hi), doc_of, starts, lambda i: f"{a} is {col[i]}; it must be {lo} to {hi}")
        if "ent_iob" in attrs:
            iob = table["ent_iob"].astype(np.int64)
            label = table["ent_type"].astype(np.int64) if "ent_type" in attrs else np.zeros(len(table), np.int64)
            self._first_bad(np.isin(iob, (1, 3)) & (label == 0), doc_of, starts, lambda i: "an entity token without a label")
            previous = np.concatenate([[0], iob[:-1]])
            previous[starts == np.arange(len(table))] = 0  # a doc's first token follows nothing
            self._first_bad((iob == 1) & ~np.isin(previous, (1, 3)), doc_of, starts, lambda i: "an entity that starts inside (I without B)")

    def _first_bad(self, bad: np.ndarray, doc_of: np.ndarray, starts: np.ndarray, what: Callable[[int], str]) -> None:
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            self.fail(f"token {i - int(starts[i])}: {what(i)}", int(doc_of[i]))


def _doc_from_rows(vocab: Vocab, rows: np.ndarray, attrs: list[str], remap: np.ndarray, extra: dict) -> Doc:
    doc = Doc.__new__(Doc)
    doc.vocab = vocab
    n = len(rows)
    for a in attrs:
        col = rows[a]
        if a in STRING_ATTRS:
            setattr(doc, "_" + a, remap[col.astype(np.int64)])
        elif a == "head":
            doc._head = _decode_heads(col, np.arange(n)).astype(np.int32)
        elif a == "spaces":
            doc._spaces = col.astype(bool)
        else:
            setattr(doc, "_" + a, col.astype(np.int8))
    doc.cats = {label: float(score) for label, score in extra.get("cats", {}).items()}
    doc.user_data = dict(extra.get("user_data", {}))
    if "sentiment" in extra:
        doc.sentiment = float(extra["sentiment"])
    doc._offsets = None
    for name, spans in extra.get("spans", {}).items():
        doc.spans[name] = [_span_from_entry(doc, entry) for entry in spans]
    return doc
