"""Writes, with spaCy (3.8.18), annotated.spacy: entities (spaCy's symbol labels and one of
the user's own), one token of unknown entity annotation, categories, two span groups (one
under two names), and a parse with one unattached token; and user_data.spacy
(`store_user_data=True`): custom attributes of a Doc, a token and a span, a numpy array, a
key of the user's own."""
import sys

import numpy as np
import spacy
from spacy.tokens import Doc, DocBin, Span, Token

nlp = spacy.blank("en")
first = Doc(nlp.vocab, words=["Ada", "Lovelace", "visited", "New", "York", "."], spaces=[True, True, True, True, False, False],
            ents=["B-PERSON", "I-PERSON", "O", "B-GPE", "I-GPE", "O"])
first.cats = {"TRAVEL": 1.0, "SPORT": 0.0}
group = [Span(first, 0, 2, "NAME"), Span(first, 3, 5, "PLACE"), Span(first, 0, 5, "EVENT")]
first.spans["sc"] = group
first.spans["copy"] = first.spans["sc"]
first.spans["verbs"] = [Span(first, 2, 3, "ACTION")]
second = Doc(nlp.vocab, words=["My", "Pixel", "7", "froze", "again"], spaces=[True, True, True, True, False],
             ents=["O", "B-GADGET", "I-GADGET", "O", None],
             heads=[1, 3, 1, 3, 4], deps=["poss", "nsubj", "nummod", "ROOT", ""], pos=["PRON", "PROPN", "NUM", "VERB", "ADV"],
             tags=["PRP$", "NNP", "CD", "VBD", "RB"], lemmas=["my", "Pixel", "7", "freeze", "again"],
             morphs=["Person=1|Poss=Yes", "Number=Sing", "NumType=Card", "Tense=Past", ""])
second.cats = {"TRAVEL": 0.0, "SPORT": 0.0}
DocBin(docs=[first, second]).to_disk(sys.argv[1])

Doc.set_extension("source", default=None)
Doc.set_extension("embedding", default=None)
Doc.set_extension("checked", default=False)
Token.set_extension("is_colour", default=False)
Span.set_extension("score", default=0.0)
third = Doc(nlp.vocab, words=["The", "red", "bike", "is", "fast", "."], spaces=[True, True, True, True, False, False])
third._.source = "email"
third._.embedding = np.array([[0.5, -1.0], [2.0, 0.0]], dtype="float32")
third[1]._.is_colour = True
third[1:3]._.score = 0.75
third.user_data["reviewed_by"] = ["ana", "ben"]
fourth = Doc(nlp.vocab, words=["Nothing", "here"])
DocBin(docs=[third, fourth], store_user_data=True).to_disk(sys.argv[2])
