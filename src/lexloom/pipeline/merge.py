"""`merge_entities` and `merge_noun_chunks`: each entity, or each noun chunk, made one token,
as spaCy's components of those names do (with `Doc.retokenize`, tokens/retokenize.py): the
merged token keeps its root's tag, UPOS, relation and entity, and the tree hangs on it. A
span that would cut into a multi-word token ("It" of "It's") stays as it is."""
from __future__ import annotations

from ..tokens import Doc, Span
from ..tokens.retokenize import cut_multiword_token
from .base import Pipe
from .factories import factory


def _mergeable(doc: Doc, spans) -> list[Span]:
    mwts = doc.multiword_tokens()
    return [span for span in spans if len(span) > 1 and not cut_multiword_token(mwts, span.start, span.end)]


class MergeEntities(Pipe):
    def __call__(self, doc: Doc) -> Doc:
        with doc.retokenize() as retokenizer:
            for ent in _mergeable(doc, doc.ents):
                retokenizer.merge(ent)
        return doc


class MergeNounChunks(Pipe):
    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            return doc  # as spaCy's: nothing to merge without a parse
        with doc.retokenize() as retokenizer:
            for chunk in _mergeable(doc, doc.noun_chunks):
                retokenizer.merge(chunk)
        return doc


@factory("merge_entities", {}, assigns=["token.orth"], requires=["doc.ents"], retokenizes=True)
def make_merge_entities(nlp, name: str) -> MergeEntities:
    return MergeEntities(nlp, name)


@factory("merge_noun_chunks", {}, assigns=["token.orth"], requires=["token.dep", "token.pos"], retokenizes=True)
def make_merge_noun_chunks(nlp, name: str) -> MergeNounChunks:
    return MergeNounChunks(nlp, name)
