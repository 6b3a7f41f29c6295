"""spaCy v2's JSON training format: `docs_to_json` writes it, `json_to_docs` reads it.

A document is `{"id": ..., "paragraphs": [...]}`; each paragraph (one Doc) has its `raw`
text, `sentences` of `tokens` (`orth`, `space`, and where the Doc has them `tag`, `pos`,
`morph`, `lemma`, `head` relative to the token, `dep`, `ner` as BILUO), and `cats`.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from ..tokens import Doc, Vocab

_TOKEN_FIELDS = (("TAG", "tag"), ("POS", "pos"), ("MORPH", "morph"), ("LEMMA", "lemma"))


def docs_to_json(docs: Doc | Iterable[Doc], doc_id: int = 0, ner_missing_tag: str = "O") -> dict[str, Any]:
    """spaCy's `training.docs_to_json`: the Docs as one v2 JSON document, a paragraph each.
    Unannotated entity tokens are written as `ner_missing_tag`."""
    docs = [docs] if isinstance(docs, Doc) else list(docs)
    paragraphs = []
    for doc in docs:
        fields = [(key, doc._strings_of(key)) for attr, key in _TOKEN_FIELDS if doc.has_annotation(attr)]
        has_deps, has_ents = doc.has_annotation("DEP"), doc.has_annotation("ENT_IOB")
        heads, deps, ner = doc.heads, doc._strings_of("dep"), [ner_missing_tag if t == "-" else t for t in doc.ent_biluo()]
        sentences = []
        for sent in doc.sents:
            tokens = []
            for i in range(sent.start, sent.end):
                token = {"id": i, "orth": doc.words[i], "space": " " if doc.spaces[i] else ""}
                token.update((key, values[i]) for key, values in fields)
                if has_deps:
                    token.update(head=heads[i] - i, dep=deps[i])
                if has_ents:
                    token["ner"] = ner[i]
                tokens.append(token)
            sentences.append({"tokens": tokens, "brackets": []})
        paragraphs.append({
            "raw": doc.text,
            "sentences": sentences,
            "cats": [{"label": label, "value": value} for label, value in doc.cats.items()],
            "entities": [(e.start_char, e.end_char, e.label_) for e in doc.ents],
            "links": [],
        })
    return {"id": doc_id, "paragraphs": paragraphs}


def json_to_docs(data: dict | list, vocab: Vocab) -> Iterator[Doc]:
    """The Docs of v2 JSON documents (one, or a list of them as a v2 `.json` file holds): a
    Doc a paragraph, its sentences as sentence starts."""
    for document in [data] if isinstance(data, dict) else data:
        for paragraph in document["paragraphs"]:
            tokens = [token for sentence in paragraph["sentences"] for token in sentence["tokens"]]
            starts = [k == 0 for sentence in paragraph["sentences"] for k in range(len(sentence["tokens"]))]

            def column(key: str) -> list | None:
                return [token[key] for token in tokens] if tokens and all(key in t for t in tokens) else None

            heads = column("head")
            yield Doc(
                vocab,
                column("orth"),
                [bool(t.get("space", " ")) for t in tokens],
                tags=column("tag"), pos=column("pos"), morphs=column("morph"), lemmas=column("lemma"),
                heads=[i + h for i, h in enumerate(heads)] if heads else None,
                deps=column("dep"),
                sent_starts=starts,
                ents=column("ner"),
                cats={cat["label"]: cat["value"] for cat in paragraph.get("cats", [])} or None,
            )
