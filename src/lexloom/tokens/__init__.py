"""The data model: Doc, Token, Span, Example, alignment, the DocBin corpus format, and
reading spaCy's (`.spacy`, `spacy_docbin.py`).

This package must not import torch.
"""
from .alignment import Alignment
from .doc import ATTRS, Doc
from .docbin import DocBin, read_docbin, write_docbin
from .example import Example
from .iob import (
    biluo_tags_to_offsets,
    biluo_tags_to_spans,
    biluo_to_iob,
    iob_to_biluo,
    offsets_to_biluo_tags,
    tags_to_entities,
)
from .lexeme import Lexeme
from .span import Span, SpanGroup
from .spacy_docbin import read_spacy
from .strings import StringStore, Vocab
from .token import MorphAnalysis, Token
from .vectors import Vectors

__all__ = [
    "ATTRS", "Alignment", "Doc", "DocBin", "Example", "Lexeme", "MorphAnalysis", "Span", "SpanGroup", "StringStore", "Token", "Vectors", "Vocab",
    "biluo_tags_to_offsets", "biluo_tags_to_spans", "biluo_to_iob", "iob_to_biluo",
    "offsets_to_biluo_tags", "read_docbin", "tags_to_entities", "write_docbin",
]
