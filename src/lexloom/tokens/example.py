"""Example: a predicted Doc paired with its reference (gold) Doc."""
from __future__ import annotations

from typing import Any

import numpy as np

from .alignment import Alignment
from .doc import Doc
from .iob import MISSING, offsets_to_biluo_tags


class Example:
    def __init__(self, predicted: Doc, reference: Doc):
        self.predicted = predicted
        self.reference = reference
        self._alignment: Alignment | None = None

    x = property(lambda self: self.predicted)
    y = property(lambda self: self.reference)

    @property
    def text(self) -> str:
        return self.reference.text

    @property
    def alignment(self) -> Alignment:
        if self._alignment is None:
            self._alignment = Alignment.from_strings(self.predicted.words, self.reference.words)
        return self._alignment

    def tokens_match(self) -> bool:
        return len(self.predicted) == len(self.reference) and bool(
            (self.predicted._orth == self.reference._orth).all()
        ) if self.predicted.vocab is self.reference.vocab else self.predicted.words == self.reference.words

    def get_aligned(self, attr: str, as_string: bool = False) -> np.ndarray | list:
        """Reference values of `attr` ('tag', 'pos', 'morph', 'lemma', 'dep', 'head', 'sent_start';
        spaCy's "TAG" too) per predicted token: ids, -1 where a token does not align one-to-one
        (heads: to a token that does). `as_string=True` gives spaCy's list: each predicted
        token's reference value as a string (numbers for 'sent_start' and 'ent_iob'), or None
        where it aligns to no reference token or to several with different values."""
        attr = attr.lower()
        if not hasattr(self.reference, "_" + attr) or (as_string and attr == "head"):
            raise ValueError(f"Example.get_aligned cannot align {attr!r}{' as strings' if as_string else ''}: use tag, pos, morph, lemma, dep, sent_start, ent_iob, ent_type{'' if as_string else ' or head'}")
        if as_string:
            return self._aligned_values(attr)
        ref = getattr(self.reference, "_" + attr)
        if self.tokens_match():
            return ref.astype(np.int64)
        x2y = self.alignment.one_to_one()
        out = np.full(len(self.predicted), -1, dtype=np.int64)
        ok = x2y >= 0
        out[ok] = ref[x2y[ok]]
        if attr == "head":
            y2x = np.full(len(self.reference), -1, dtype=np.int64)
            y2x[x2y[ok]] = np.flatnonzero(ok)
            heads = out[ok]
            out[ok] = np.where(heads >= 0, y2x[np.clip(heads, 0, None)], -1)
        elif attr != "sent_start":
            out[ok & (out == 0)] = -1 if attr in ("dep",) else out[ok & (out == 0)]
        return out

    def _aligned_values(self, attr: str) -> list:
        ref = self.reference
        values = getattr(ref, "_" + attr).tolist() if attr in ("sent_start", "ent_iob") else ref._strings_of(attr)
        x2y = self.alignment.x2y
        offsets, data = x2y.offsets.tolist(), x2y.data.tolist()
        out = []
        for i in range(len(self.predicted)):
            aligned = {values[j] for j in data[offsets[i] : offsets[i + 1]]}
            out.append(aligned.pop() if len(aligned) == 1 else None)
        return out

    def get_aligned_ner(self) -> list[str | None]:
        """spaCy's: the reference entities as BILUO tags over the predicted tokens, None where
        they are unknown (a token cut inside an entity, or left unannotated); all None where the
        reference has no entity annotation."""
        if not self.reference.has_annotation("ENT_IOB"):
            return [None] * len(self.predicted)
        unannotated = [iob == 0 for iob in self._aligned_values("ent_iob")]
        return [None if tag == MISSING or missing else tag for tag, missing in zip(self.get_aligned_ents_biluo(), unannotated)]

    def get_aligned_ents_biluo(self) -> list[str]:
        """Reference entities as BILUO tags over the predicted tokens ('-' where they do not fit)."""
        if self.tokens_match():
            return self.reference.ent_biluo()
        ents = [(e.start_char, e.end_char, e.label_) for e in self.reference.ents]
        tags = offsets_to_biluo_tags(self.predicted, ents)
        if not self.reference.has_annotation("ENT_IOB"):
            return ["-"] * len(self.predicted)
        return tags

    @classmethod
    def from_dict(cls, predicted: Doc, annotations: dict[str, Any]) -> "Example":
        """Build the reference from a dict of annotations (spaCy's keys).

        Keys: words, spaces, tags, pos, morphs, lemmas, heads, deps, sent_starts,
        entities (char offsets or BILUO/IOB tags), cats, spans ({group: [(start_char,
        end_char, label), ...]}). Token-level lists refer to `words` when given, else to
        the predicted tokens.
        """
        known = {"words", "spaces", "tags", "pos", "morphs", "lemmas", "heads", "deps", "sent_starts", "entities", "cats", "links", "spans"}
        unknown = set(annotations) - known
        if unknown:
            raise ValueError(f"unknown annotation keys {sorted(unknown)}; expected some of {sorted(known)}")
        words = annotations.get("words")
        if words is None:
            words, spaces = predicted.words, predicted.spaces
        else:
            spaces = annotations.get("spaces")
        ref = Doc(
            predicted.vocab,
            words=words,
            spaces=spaces,
            tags=annotations.get("tags"),
            pos=annotations.get("pos"),
            morphs=annotations.get("morphs"),
            lemmas=annotations.get("lemmas"),
            heads=annotations.get("heads"),
            deps=annotations.get("deps"),
            sent_starts=annotations.get("sent_starts"),
            cats=annotations.get("cats"),
        )
        if annotations.get("heads") is not None and annotations.get("sent_starts") is None:
            ref._sent_start[:] = -1
            if len(ref):
                ref._sent_start[0] = 1
        for group, spans in (annotations.get("spans") or {}).items():
            ref.spans[group] = [cls._char_span(ref, start, end, label) for start, end, label in spans]
        ents = annotations.get("entities")
        if ents is not None:
            if ents and not isinstance(ents[0], str):
                tags = offsets_to_biluo_tags(ref, [tuple(e) for e in ents])
                bad = [i for i, t in enumerate(tags) if t == "-"]
                if bad:
                    raise ValueError(
                        f"entities {[tuple(e) for e in ents]} do not align with the tokens of {ref.text[:60]!r}: "
                        f"tokens {bad} are cut inside; use doc.char_span(..., alignment_mode='expand') to fix"
                    )
                ref.set_ent_tags(tags)
            else:
                ref.set_ent_tags(list(ents) if ents else ["O"] * len(ref))
        return cls(predicted, ref)

    @staticmethod
    def _char_span(doc: Doc, start: int, end: int, label: str):
        span = doc.char_span(start, end, label)
        if span is None:
            raise ValueError(f"span ({start}, {end}, {label!r}) does not align with the tokens of {doc.text[:60]!r}")
        return span

    def to_dict(self) -> dict[str, Any]:
        ref = self.reference
        return {
            "words": ref.words,
            "spaces": ref.spaces,
            "tags": ref._strings_of("tag"),
            "pos": ref._strings_of("pos"),
            "morphs": ref._strings_of("morph"),
            "lemmas": ref._strings_of("lemma"),
            "heads": ref.heads,
            "deps": ref._strings_of("dep"),
            "entities": ref.ent_biluo(),
            "cats": dict(ref.cats),
        }

    def __repr__(self) -> str:
        return f"Example({self.predicted.text[:40]!r})"
