"""A Doc as JSON in spaCy's `doc.to_json()` shape, and back (`Doc.to_json`, `Doc.from_json`).

    {"text": "Apple rose.",
     "ents": [{"start": 0, "end": 5, "label": "ORG"}],          # when the Doc has entity annotation
     "sents": [{"start": 0, "end": 11}],                         # when it has sentence starts
     "cats": {"POS": 0.9},                                       # when it has categories
     "tokens": [{"id": 0, "start": 0, "end": 5, "tag": "NNP", "pos": "PROPN", "morph": "Number=Sing",
                 "lemma": "Apple", "dep": "nsubj", "head": 1}, ...],
     "spans": {"sc": [{"start": 0, "end": 5, "label": "ORG", "kb_id": ""}]}}  # span groups, where the Doc has them

Offsets are characters, ends exclusive; a token's `head` is a token index. A token
attribute is written when some token of the Doc has it (`head` with `dep`, or alone).
A span of a group has its `kb_id`, as spaCy writes it; an entity has its `kb_id` and a span
or an entity its `id` (`span.id_`) where it has one, keys spaCy's `from_json` lets pass.

The words of a multi-word token (`Doc.multiword_tokens`: "del" = "de" "el") share its
span of the text, as CoNLL-U has it, and each says which word it is with `"orth"`
(spaCy's attribute name): {"id": 1, "start": 6, "end": 9, "orth": "de", ...},
{"id": 2, "start": 6, "end": 9, "orth": "el", ...}.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .doc import Doc
    from .strings import Vocab

TOKEN_ATTRS = (("tag", "TAG"), ("pos", "POS"), ("morph", "MORPH"), ("lemma", "LEMMA"), ("dep", "DEP"))


def doc_to_json(doc: "Doc") -> dict[str, Any]:
    data: dict[str, Any] = {"text": doc.text}
    if doc.has_annotation("ENT_IOB"):
        data["ents"] = [_span_json(e, kb_id=bool(e.kb_id_)) for e in doc.ents]
    if doc.has_annotation("SENT_START"):
        data["sents"] = [{"start": s.start_char, "end": s.end_char} for s in doc.sents]
    if doc.cats:
        data["cats"] = dict(doc.cats)
    attrs = [attr for attr, name in TOKEN_ATTRS if doc.has_annotation(name)]
    heads = doc.has_annotation("HEAD")
    in_mwt = {i for start, end, _ in doc.multiword_tokens() for i in range(start, end)}
    tokens = []
    for token in doc:
        entry: dict[str, Any] = {"id": token.i, "start": token.idx, "end": doc._char_end(token.i)}
        if token.i in in_mwt:
            entry["orth"] = token.text
        for attr in attrs:
            entry[attr] = getattr(token, attr + "_")
        if heads:
            entry["head"] = token.head.i
        tokens.append(entry)
    data["tokens"] = tokens
    groups = getattr(doc, "spans", None)
    if groups:
        data["spans"] = {key: [_span_json(s, kb_id=True) for s in group] for key, group in groups.items()}
    return data


def _span_json(span, kb_id: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"start": span.start_char, "end": span.end_char, "label": span.label_}
    if kb_id:
        entry["kb_id"] = span.kb_id_
    if span.id_:
        entry["id"] = span.id_
    return entry


def doc_from_json(vocab: "Vocab", data: Any) -> "Doc":
    """The Doc of `doc_to_json`'s output; a ValueError saying what is wrong otherwise."""
    from .doc import Doc

    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not isinstance(data.get("tokens"), list):
        raise ValueError('expected an object with a string "text" and a list of "tokens"')
    text, tokens = data["text"], data["tokens"]
    words, spaces = [], []
    mwts: list[tuple[int, int, str]] = []  # (first word, end word, surface form)
    token_starts: list[int | None] = []  # where each token starts in the text (None: a multi-word token's next word)
    position = 0
    for i, token in enumerate(tokens):
        start, end = (token.get("start"), token.get("end")) if isinstance(token, dict) else (None, None)
        orth = token.get("orth") if isinstance(token, dict) else None
        if orth is not None and not (isinstance(orth, str) and orth):
            raise ValueError(f"token {i}: orth must be a non-empty string, not {orth!r}")
        if orth is not None and mwts and mwts[-1][1] == i and (start, end) == (position - len(mwts[-1][2]), position):
            mwts[-1] = (mwts[-1][0], i + 1, mwts[-1][2])  # the next word of the same multi-word token
            spaces.append(False)
            words.append(orth)
            token_starts.append(None)
            continue
        if not (isinstance(start, int) and isinstance(end, int) and position <= start < end <= len(text)):
            raise ValueError(f"token {i}: needs integer start and end inside the text, after the previous token")
        if text[position:start] not in ("", " "):
            raise ValueError(f"token {i}: the text between it and the previous token is {text[position:start]!r}; tokens must cover the text")
        if i:
            spaces.append(start > position)
        words.append(text[start:end] if orth is None else orth)
        token_starts.append(start)
        if orth is not None:
            mwts.append((i, i + 1, text[start:end]))
        position = end
    if text[position:] not in ("", " "):
        raise ValueError(f"the text after the last token is {text[position:]!r}; tokens must cover the text")
    if words:
        spaces.append(text[position:] == " ")
    values: dict[str, list] = {}
    for attr, _ in TOKEN_ATTRS:
        if any(attr in t for t in tokens):
            values[attr] = [_string(t.get(attr), i, attr) for i, t in enumerate(tokens)]
    heads = None
    if any("head" in t for t in tokens):
        heads = [t.get("head", i) for i, t in enumerate(tokens)]
        if not all(isinstance(h, int) and 0 <= h < len(tokens) for h in heads):
            raise ValueError(f"token heads must be token indices below {len(tokens)}")
    doc = Doc(
        vocab, words, spaces, tags=values.get("tag"), pos=values.get("pos"), morphs=values.get("morph"),
        lemmas=values.get("lemma"), deps=values.get("dep"), heads=heads,
    )
    if "sents" in data:
        starts = {s.get("start") for s in data["sents"] if isinstance(s, dict)}
        for token, start in zip(doc, token_starts):
            token.is_sent_start = start in starts
    mwts = [m for m in mwts if m[1] - m[0] > 1]
    if mwts:  # filed per sentence: after the sentences
        doc.set_multiword_tokens(mwts)
    if "ents" in data:
        doc.ents = [_span(doc, e, "ents") for e in data["ents"]]
    if "cats" in data:
        cats = data["cats"]
        if not isinstance(cats, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cats.values()):
            raise ValueError('"cats" must map each label to a number')
        doc.cats = {str(k): float(v) for k, v in cats.items()}
    if data.get("spans") and hasattr(doc, "spans"):
        for key, group in data["spans"].items():
            doc.spans[key] = [_span(doc, s, f"spans[{key!r}]") for s in group]
    return doc


def _string(value: Any, i: int, attr: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise ValueError(f"token {i}: {attr} must be a string, not {value!r}")


def _span(doc: "Doc", entry: Any, where: str):
    if not isinstance(entry, dict) or not isinstance(entry.get("start"), int) or not isinstance(entry.get("end"), int):
        raise ValueError(f"{where}: expected {{\"start\", \"end\", \"label\"}} with integer offsets, not {entry!r}")
    kb_id, span_id = (str(entry.get(key) or "") for key in ("kb_id", "id"))
    span = doc.char_span(entry["start"], entry["end"], str(entry.get("label") or ""), kb_id=kb_id, span_id=span_id)
    if span is None:
        raise ValueError(f"{where}: [{entry['start']}:{entry['end']}] does not start and end on token boundaries")
    return span
