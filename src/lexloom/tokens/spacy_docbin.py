"""spaCy's `.spacy` corpora (`DocBin.to_disk`, `spacy convert`), read without spaCy.

A `.spacy` file is zlib-compressed msgpack: the attribute ids of the token columns, one
uint64 row per token, the lengths of the Docs, their spaces, their categories and span
groups, and the strings the rows refer to. A string is referred to by its id in spaCy's
symbol table where it has one (UPOS tags, many dependency and entity labels), else by its
64-bit MurmurHash (MurmurHash64A, seed 1); the empty string is 0. HEAD is relative to the
token, ENT_IOB and SENT_START use the codes lexloom's Docs use. The entities' knowledge-base
ids and ids (ENT_KB_ID, ENT_ID) and a span's are read; NORM is not: spaCy stores every
token's norm, its language's lookups included, not only a norm set on the token, and taking
them would give a model trained on the file other features than it sees at inference.

`spacy_symbols.json` is spaCy's symbol table (`spacy.symbols.IDS`, spaCy 3.8, MIT licence,
Explosion AI), which every spaCy v3 release shares.

A DocBin written with `store_user_data=True` keeps each Doc's `user_data`, custom `._`
attributes included. spaCy keys a custom attribute by characters, ("._.", name, start, end);
lexloom keys it by tokens (`underscore.py`), so `doc[1]._.is_colour` and `doc[1:3]._.score`
read as they did in spaCy. Values come as lexloom's DocBin stores them, as JSON would: a
tuple or a numpy array as a list. msgpack is data only, so reading an untrusted file runs
none of its content.
"""
from __future__ import annotations

import json
import struct
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import msgpack
import numpy as np

from ..errors import DataError
from .doc import Doc
from .span import Span
from .strings import Vocab

# spaCy's ids of the token attributes a DocBin stores (spacy.attrs.IDS)
_ATTRS = {65: "ORTH", 67: "NORM", 73: "LEMMA", 74: "POS", 75: "TAG", 76: "DEP", 77: "ENT_IOB", 78: "ENT_TYPE", 79: "HEAD", 80: "SENT_START", 452: "ENT_KB_ID", 453: "MORPH", 454: "ENT_ID"}
_MASK = (1 << 64) - 1


@lru_cache(maxsize=1)
def _symbols() -> dict[str, int]:
    return json.loads((Path(__file__).parent / "spacy_symbols.json").read_text(encoding="utf8"))


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A (Austin Appleby), as spaCy hashes strings (`spacy.strings.hash_string`)."""
    m, r = 0xC6A4A7935BD1E995, 47
    h = (seed ^ (len(data) * m)) & _MASK
    n = len(data) // 8
    for k in struct.unpack_from(f"<{n}Q", data):
        k = (k * m) & _MASK
        k ^= k >> r
        k = (k * m) & _MASK
        h = ((h ^ k) * m) & _MASK
    tail = data[n * 8 :]
    if tail:
        h = ((h ^ int.from_bytes(tail, "little")) * m) & _MASK
    h ^= h >> r
    h = (h * m) & _MASK
    return h ^ (h >> r)


def string_key(text: str) -> int:
    """The id spaCy gives `text`: its symbol id, 0 for "", else its hash."""
    if not text:
        return 0
    symbol = _symbols().get(text)
    return symbol if symbol is not None else murmurhash64a(text.encode("utf8"))


def read_spacy(path: str | Path, vocab: Vocab) -> Iterator[Doc]:
    """The Docs of a `.spacy` file, with their words, spaces, tags, UPOS, morphology, lemmas,
    trees, sentence starts, entities, categories and span groups; DataError for a file that
    is not one, naming the file and the Doc."""
    path = Path(path)
    msg = _load(path)
    attrs = [_ATTRS.get(a, str(a)) for a in msg["attrs"]]
    if not attrs or attrs[0] != "ORTH":
        raise DataError(f"not a spaCy DocBin: its first token column is {attrs[:1]}, not ORTH", path)
    lengths = np.frombuffer(msg["lengths"], dtype="<i4")
    tokens = np.frombuffer(msg["tokens"], dtype="<u8")
    spaces = np.frombuffer(msg["spaces"], dtype=bool)
    if tokens.size != int(lengths.sum()) * len(attrs) or spaces.size != int(lengths.sum()):
        raise DataError(f"not a spaCy DocBin: {int(lengths.sum())} tokens in its lengths, {tokens.size // len(attrs)} token rows, {spaces.size} spaces", path)
    tokens = tokens.reshape(-1, len(attrs))
    strings = {string_key(s): s for s in msg["strings"]}
    strings.update((i, name) for name, i in _symbols().items() if i not in strings)
    strings[0] = ""
    cats, groups = msg.get("cats") or [{}] * len(lengths), msg.get("span_groups") or [b""] * len(lengths)
    user_data = msg.get("user_data") or [None] * len(lengths)
    start = 0
    for i, n in enumerate(lengths.tolist()):
        rows, where = tokens[start : start + n], f"doc {i + 1}"
        try:
            doc = _doc(vocab, rows, spaces[start : start + n], attrs, strings)
            doc.cats = {str(k): float(v) for k, v in (cats[i] or {}).items()}
            _span_groups(doc, groups[i], strings)
            if user_data[i]:
                doc.user_data = _user_data(doc, user_data[i])
        except (KeyError, ValueError, TypeError, msgpack.UnpackException) as e:
            raise DataError(f"{where}: {_reason(e)}", path) from None
        start += n
        yield doc


def _load(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read the file ({e.strerror})", path) from None
    try:
        msg = msgpack.unpackb(zlib.decompress(data), raw=False, strict_map_key=False)
    except zlib.error:
        raise DataError("not a spaCy DocBin (.spacy): not zlib-compressed", path) from None
    except (ValueError, msgpack.UnpackException) as e:
        raise DataError(f"not a spaCy DocBin (.spacy): {e}", path) from None
    missing = [k for k in ("attrs", "tokens", "spaces", "lengths", "strings") if not isinstance(msg, dict) or k not in msg]
    if missing:
        raise DataError(f"not a spaCy DocBin (.spacy): no {', '.join(missing)}", path)
    return msg


def _reason(e: Exception) -> str:
    if isinstance(e, KeyError):
        return f"a token refers to string {e.args[0]}, which the file's strings do not hold"
    return str(e)


def _doc(vocab: Vocab, rows: np.ndarray, spaces: np.ndarray, attrs: list[str], strings: dict[int, str]) -> Doc:
    column = {name: rows[:, j] for j, name in enumerate(attrs)}

    def text(name: str) -> list[str] | None:
        return [strings[int(v)] for v in column[name]] if name in column else None

    words = text("ORTH")
    morphs = text("MORPH")
    doc = Doc(
        vocab, words, spaces.tolist(), tags=text("TAG"), pos=text("POS"), lemmas=text("LEMMA"), deps=text("DEP"),
        morphs=[m if m != "_" else "" for m in morphs] if morphs is not None else None,
    )
    n = len(words)
    if "HEAD" in column:
        relative = column["HEAD"].view("<i8")
        heads = np.arange(n) + relative
        if ((heads < 0) | (heads >= n)).any():
            bad = int(np.flatnonzero((heads < 0) | (heads >= n))[0])
            raise ValueError(f"token {bad + 1}'s head is {int(relative[bad]):+d} tokens away, outside the doc")
        unannotated = (relative == 0) & (column["DEP"] == 0) if "DEP" in column else np.ones(n, dtype=bool)
        doc._head[:] = np.where(unannotated, -1, heads)
    if "SENT_START" in column:
        doc._sent_start[:] = np.sign(column["SENT_START"].view("<i8"))
    if "ENT_IOB" in column:
        iob = column["ENT_IOB"].astype(np.int64)
        if (iob > 3).any():
            raise ValueError(f"entity code {int(iob.max())} (expected 0 to 3)")
        doc._ent_iob[:] = iob
        add = vocab.strings.add
        for name, attr in (("ENT_TYPE", "_ent_type"), ("ENT_KB_ID", "_ent_kb_id"), ("ENT_ID", "_ent_id")):
            if name in column and column[name].any():
                getattr(doc, attr)[:] = [add(strings[int(v)]) if v else 0 for v in column[name]]
    return doc


def _user_data(doc: Doc, data: bytes) -> dict[str, Any]:
    """spaCy's `srsly.msgpack_dumps(doc.user_data)`, its custom attributes keyed as lexloom keys them."""
    first, last = doc._char_spans()
    starts = {int(c): i for i, c in enumerate(first[: len(doc)])}
    ends = {int(c): i + 1 for i, c in enumerate(last)}
    out: dict[str, Any] = {}
    for key, value in msgpack.unpackb(data, raw=False, strict_map_key=False, use_list=False).items():
        if isinstance(key, tuple) and len(key) == 4 and key[0] == "._.":
            _, name, start, end = key
            if start is None:
                key = f"._.{name}"
            elif end is None:
                if start not in starts:
                    raise ValueError(f"custom attribute {name!r} belongs to a token at character {start}, where none starts")
                key = f"._.{name}[{starts[start]}]"
            else:
                if start not in starts or end not in ends:
                    raise ValueError(f"custom attribute {name!r} belongs to characters {start} to {end}, which are not whole tokens")
                key = f"._.{name}[{starts[start]}:{ends[end]}]"
        elif not isinstance(key, str):
            raise ValueError(f"user_data key {key!r} is neither a string nor a custom attribute's")
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """A msgpack value as JSON would hold it: tuples and srsly's numpy arrays as lists."""
    if isinstance(value, dict):
        if value.get(b"nd") is True and b"data" in value:
            return np.frombuffer(value[b"data"], dtype=np.dtype(value[b"type"])).reshape(value[b"shape"]).tolist()
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _span_groups(doc: Doc, data: bytes, strings: dict[int, str]) -> None:
    """spaCy's `SpanGroups.to_bytes`: {group: [names]} (or, before spaCy 3.3, [group]), each group
    msgpack {name, attrs, spans}, each span `>QQQllll` (id, kb_id, label, start, end, start_char, end_char).
    An id or knowledge-base id the file's strings lack (spaCy writes those its vocab knows) reads as ""."""
    if not data:
        return
    groups = msgpack.unpackb(data, raw=False, strict_map_key=False)
    named = groups.items() if isinstance(groups, dict) else ((g, None) for g in groups)
    for group, names in named:
        group = msgpack.unpackb(group, raw=False, strict_map_key=False)
        spans = []
        for packed in group["spans"]:
            span_id, kb_id, label, start, end, _, _ = struct.unpack(">QQQllll", packed)
            if not 0 <= start <= end <= len(doc):
                raise ValueError(f"span [{start}, {end}) of group {group['name']!r} is outside the doc's {len(doc)} tokens")
            spans.append(Span(doc, start, end, label=strings[label], kb_id=strings.get(kb_id, ""), span_id=strings.get(span_id, "")))
        for name in names or [group["name"]]:
            doc.spans[name] = spans
