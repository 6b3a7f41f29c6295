"""What a label means, as `spacy.explain` says it: `lexloom.explain("nsubj")`.

The labels lexloom's pipelines predict: UD's universal parts of speech and relations (with
the subtypes of English-EWT and Spanish-GSD), the Penn Treebank tags of English XPOS, and the
entity types of Universal NER and OntoNotes. Descriptions are ours, after the UD and Penn
Treebank guidelines.
"""
from __future__ import annotations

UPOS = {
    "ADJ": "adjective", "ADP": "adposition", "ADV": "adverb", "AUX": "auxiliary", "CCONJ": "coordinating conjunction",
    "DET": "determiner", "INTJ": "interjection", "NOUN": "noun", "NUM": "numeral", "PART": "particle",
    "PRON": "pronoun", "PROPN": "proper noun", "PUNCT": "punctuation", "SCONJ": "subordinating conjunction",
    "SYM": "symbol", "VERB": "verb", "X": "other", "SPACE": "space",
}

RELATIONS = {
    "acl": "clausal modifier of a noun", "acl:relcl": "relative clause modifier", "advcl": "adverbial clause modifier",
    "advmod": "adverbial modifier", "amod": "adjectival modifier", "appos": "appositional modifier",
    "aux": "auxiliary", "aux:pass": "passive auxiliary", "case": "case marking (preposition, postposition, possessive 's)",
    "cc": "coordinating conjunction", "cc:preconj": "preconjunct (either, both)", "ccomp": "clausal complement",
    "clf": "classifier", "compound": "compound", "compound:prt": "phrasal verb particle", "conj": "conjunct",
    "cop": "copula", "csubj": "clausal subject", "csubj:pass": "clausal passive subject", "dep": "unspecified dependency",
    "det": "determiner", "det:predet": "predeterminer (all, both before a determiner)", "discourse": "discourse element",
    "dislocated": "dislocated element", "expl": "expletive", "expl:impers": "impersonal expletive (se)",
    "expl:pass": "reflexive passive expletive", "expl:pv": "reflexive clitic of a pronominal verb",
    "fixed": "fixed multiword expression", "flat": "flat multiword expression (names, dates)",
    "flat:foreign": "foreign words", "goeswith": "goes with (a word split in two)", "iobj": "indirect object",
    "list": "list", "mark": "marker (subordinating conjunction, infinitival to)", "nmod": "nominal modifier",
    "nmod:desc": "descriptive nominal modifier (President in President Bush)", "nmod:npmod": "noun phrase as adverbial modifier",
    "nmod:poss": "possessive nominal modifier", "nmod:tmod": "temporal nominal modifier",
    "nmod:unmarked": "nominal modifier without a case marker", "nsubj": "nominal subject",
    "nsubj:outer": "outer clause nominal subject", "nsubj:pass": "passive nominal subject", "nummod": "numeric modifier",
    "obj": "object", "obl": "oblique nominal", "obl:agent": "agent of a passive (by ...)", "obl:npmod": "noun phrase as adverbial oblique",
    "obl:tmod": "temporal oblique", "obl:arg": "oblique argument (a verb's prepositional complement)",
    "det:poss": "possessive determiner", "det:numgov": "pronominal quantifier governing the noun's case",
    "nummod:gov": "numeric modifier governing the noun's case", "advmod:emph": "emphasizing adverb",
    "aux:tense": "tense auxiliary", "flat:name": "parts of a name", "compound:svc": "serial verb compound", "obl:unmarked": "oblique without a case marker", "orphan": "orphan (in an ellipsis)",
    "parataxis": "parataxis", "punct": "punctuation", "reparandum": "overridden disfluency", "root": "root",
    "vocative": "vocative", "xcomp": "open clausal complement",
}

PTB_TAGS = {
    "CC": "conjunction, coordinating", "CD": "cardinal number", "DT": "determiner", "EX": "existential there",
    "FW": "foreign word", "IN": "preposition or subordinating conjunction", "JJ": "adjective", "JJR": "adjective, comparative",
    "JJS": "adjective, superlative", "LS": "list item marker", "MD": "modal verb", "NN": "noun, singular or mass",
    "NNS": "noun, plural", "NNP": "proper noun, singular", "NNPS": "proper noun, plural", "PDT": "predeterminer",
    "POS": "possessive ending", "PRP": "personal pronoun", "PRP$": "possessive pronoun", "RB": "adverb",
    "RBR": "adverb, comparative", "RBS": "adverb, superlative", "RP": "particle", "SYM": "symbol", "TO": "infinitival to",
    "UH": "interjection", "VB": "verb, base form", "VBD": "verb, past tense", "VBG": "verb, gerund or present participle",
    "VBN": "verb, past participle", "VBP": "verb, non-3rd person singular present", "VBZ": "verb, 3rd person singular present",
    "WDT": "wh-determiner", "WP": "wh-pronoun", "WP$": "possessive wh-pronoun", "WRB": "wh-adverb",
    "ADD": "email or web address", "AFX": "affix", "GW": "part of a word split in two", "HYPH": "hyphen",
    "NFP": "superfluous punctuation", "XX": "unknown", "-LRB-": "left bracket", "-RRB-": "right bracket",
    ",": "comma", ".": "sentence-final punctuation", ":": "colon or ellipsis", "``": "opening quotation mark",
    "''": "closing quotation mark", "$": "currency symbol",
}

ENTITIES = {
    "PER": "person", "PERSON": "person, including fictional", "ORG": "organization (company, agency, institution)",
    "LOC": "location (Universal NER: places, countries, cities; OntoNotes: non-political locations)",
    "MISC": "miscellaneous entity", "GPE": "country, city or state", "NORP": "nationality, religious or political group",
    "FAC": "building, airport, highway, bridge", "PRODUCT": "object, vehicle, food (not a service)", "EVENT": "named event",
    "WORK_OF_ART": "title of a book, song or other work", "LAW": "named document made into law", "LANGUAGE": "named language",
    "DATE": "date or period", "TIME": "time shorter than a day", "PERCENT": "percentage", "MONEY": "monetary value",
    "QUANTITY": "measurement (weight, distance)", "ORDINAL": "ordinal (first, second)", "CARDINAL": "number not covered by another type",
}

GLOSSARY = {**ENTITIES, **PTB_TAGS, **RELATIONS, **UPOS}


def explain(term: str) -> str | None:
    """A short description of a label (UPOS, relation, Penn tag, entity type); None if unknown.
    spaCy writes UD's `root` as `ROOT`, which reads the same."""
    return GLOSSARY.get(term) or GLOSSARY.get(term.lower()) if isinstance(term, str) else None
