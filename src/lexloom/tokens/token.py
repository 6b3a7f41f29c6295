"""Token: a view of one position of a Doc. Holds no data of its own."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from . import lexeme, syntax
from .lexeme import LexicalAttributes, Lexeme
from .underscore import HasExtensions
from .vectors import WordVector

if TYPE_CHECKING:
    from .doc import Doc
    from .strings import Vocab

IOB_STRINGS = ("", "I", "O", "B")


class MorphAnalysis:
    """A token's features as spaCy's `token.morph` reads them: printed as the UD string
    ("Number=Sing|Person=3"), equal to it, iterated and counted by feature, with `get(field)`
    -> its values and `to_dict()`."""

    __slots__ = ("_string",)

    def __init__(self, string: str):
        self._string = "" if string == "_" else string

    def _features(self) -> list[str]:
        return [f for f in self._string.split("|") if f]

    def __iter__(self) -> Iterator[str]:
        return iter(self._features())

    def __len__(self) -> int:
        return len(self._features())

    def __contains__(self, feature: object) -> bool:
        return feature in self._features()

    def get(self, field: str, default: list[str] | None = None) -> list[str]:
        """The values of `field` ("PronType=Int,Rel" -> ["Int", "Rel"]); `default` (else []) if absent."""
        values = self.to_dict().get(field)
        return values.split(",") if values is not None else (default if default is not None else [])

    def to_dict(self) -> dict[str, str]:
        return dict(f.split("=", 1) for f in self._features() if "=" in f)

    def to_json(self) -> str:
        return self._string

    def __str__(self) -> str:
        return self._string

    def __repr__(self) -> str:
        return self._string

    def __eq__(self, other: object) -> bool:
        return str(other) == self._string if isinstance(other, (str, MorphAnalysis)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._string)


def _morph_string(features: str | dict) -> str:
    if isinstance(features, dict):
        return "|".join(f"{k}={v}" for k, v in sorted(features.items()))
    return str(features or "")


class Token(HasExtensions, LexicalAttributes, syntax.Dependents, WordVector):
    __slots__ = ("doc", "i")
    _hooks = "user_token_hooks"

    def __init__(self, doc: "Doc", i: int):
        self.doc = doc
        self.i = i

    def _extension_key(self, name: str) -> str:
        return f"._.{name}[{self.i}]"

    def _hooks_doc(self) -> "Doc":
        return self.doc

    def _get(self, attr: str) -> str:
        return self.doc.vocab.strings[int(getattr(self.doc, "_" + attr)[self.i])]

    def _set(self, attr: str, value: str) -> None:
        getattr(self.doc, "_" + attr)[self.i] = self.doc.vocab.strings.add(value or "")

    def _set_id(self, attr: str, value: str | int) -> None:
        """Set a string attribute from its string or its id in the vocab (spaCy's `token.ent_id = ...`)."""
        self._set(attr, self.doc.vocab.strings.as_string(value))

    # text
    @property
    def text(self) -> str:
        return self._get("orth")

    orth_ = text

    @property
    def whitespace_(self) -> str:
        return " " if self.doc._spaces[self.i] else ""

    @property
    def text_with_ws(self) -> str:
        return self.text + self.whitespace_

    @property
    def idx(self) -> int:
        return int(self.doc._char_offsets()[self.i])

    def __len__(self) -> int:
        return len(self.text)

    # lexical attributes (`lower_`, `is_alpha`, `like_url`, `is_stop`, ...): lexeme.LexicalAttributes
    @property
    def norm_(self) -> str:
        """The NORM set on this token (`token.norm_ = "apple"`, as in spaCy), else its word's;
        the Lexeme (`token.lex.norm_`) keeps the word's."""
        norm = self.doc.__dict__.get("_norm")
        if norm is not None and norm[self.i]:
            return self.doc.vocab.strings[int(norm[self.i])]
        return lexeme.norm(self.text)

    @norm_.setter
    def norm_(self, value: str) -> None:
        self._set("norm", value)

    @property
    def vocab(self) -> "Vocab":
        return self.doc.vocab

    @property
    def lex(self) -> Lexeme:
        """The token's word as a Lexeme of the vocab (`token.lex.is_stop = True`)."""
        return Lexeme(self.doc.vocab, self.text)

    def nbor(self, i: int = 1) -> "Token":
        """The token `i` positions away (an IndexError outside the Doc)."""
        j = self.i + i
        if not 0 <= j < len(self.doc):
            raise IndexError(f"token {self.i} has no neighbour {i:+d} in a Doc of {len(self.doc)} tokens")
        return self.doc[j]

    # annotations
    tag_ = property(lambda self: self._get("tag"), lambda self, v: self._set("tag", v))
    pos_ = property(lambda self: self._get("pos"), lambda self, v: self._set("pos", v))
    morph_ = property(lambda self: self._get("morph"), lambda self, v: self._set("morph", v))
    morph = property(lambda self: MorphAnalysis(self._get("morph")), lambda self, v: self.set_morph(v),
                     doc="The features as spaCy's MorphAnalysis (a string that iterates by feature)")

    def set_morph(self, features: str | dict | None) -> None:
        """Set the features from a UD string or a {field: value} dict (spaCy's `set_morph`)."""
        self._set("morph", _morph_string(features))
    lemma_ = property(lambda self: self._get("lemma"), lambda self, v: self._set("lemma", v))
    dep_ = property(lambda self: self._get("dep"), lambda self, v: self._set("dep", v))
    # as spaCy's, setting the type leaves `ent_iob` alone: a type set on an O token makes no
    # entity of it (`doc.ents` reads B and I); set `doc.ents` for that
    ent_type_ = property(lambda self: self._get("ent_type"), lambda self, v: self._set("ent_type", v))
    ent_type = property(lambda self: int(self.doc._ent_type[self.i]), lambda self, v: self._set_id("ent_type", v))
    # the knowledge-base id and the id (an entity ruler's pattern id) of the entity the token is in
    ent_kb_id_ = property(lambda self: self._get("ent_kb_id"), lambda self, v: self._set("ent_kb_id", v))
    ent_id_ = property(lambda self: self._get("ent_id"), lambda self, v: self._set("ent_id", v))
    ent_kb_id = property(lambda self: int(self.doc._ent_kb_id[self.i]), lambda self, v: self._set_id("ent_kb_id", v))
    ent_id = property(lambda self: int(self.doc._ent_id[self.i]), lambda self, v: self._set_id("ent_id", v))

    @property
    def ent_iob(self) -> int:
        """spaCy's code of the token's place in an entity: 0 unannotated, 1 I, 2 O, 3 B."""
        return int(self.doc._ent_iob[self.i])

    @ent_iob.setter
    def ent_iob(self, code: int) -> None:
        if code not in (1, 2, 3):
            raise ValueError(f"ent_iob is 1 (I), 2 (O) or 3 (B), not {code!r}")
        self.doc._ent_iob[self.i] = code

    @property
    def ent_iob_(self) -> str:
        return IOB_STRINGS[self.ent_iob]

    lex_id = LexicalAttributes.rank

    @property
    def sentiment(self) -> float:
        """The `sentiment` user token hook's score, else the word's (`lex.sentiment`, 0.0)."""
        hook = self._hook("sentiment")
        return hook(self) if hook else self.lex.sentiment

    def has_dep(self) -> bool:
        """Whether the token has a dependency label (spaCy's: False when it is unset)."""
        return int(self.doc._dep[self.i]) != 0

    def has_head(self) -> bool:
        """Whether the token's head is annotated: as spaCy's, False for a token with no head
        and for one that is its own head without a label (a root has the label ROOT)."""
        h = int(self.doc._head[self.i])
        return h >= 0 and (h != self.i or self.has_dep())

    @property
    def head(self) -> "Token":
        h = int(self.doc._head[self.i])
        return self.doc[h if h >= 0 else self.i]

    @head.setter
    def head(self, token: "Token") -> None:
        self.doc._head[self.i] = token.i

    @property
    def children(self) -> Iterator["Token"]:
        heads = self.doc._head
        for j in range(len(heads)):
            if heads[j] == self.i and j != self.i:
                yield self.doc[j]

    @property
    def lefts(self) -> Iterator["Token"]:
        return (t for t in self.children if t.i < self.i)

    @property
    def rights(self) -> Iterator["Token"]:
        return (t for t in self.children if t.i > self.i)

    @property
    def conjuncts(self) -> tuple["Token", ...]:
        """The tokens coordinated with this one by `conj` relations (conjuncts of conjuncts
        too), in order, itself left out."""
        first = self
        for h in syntax.ancestors(self.doc, self.i):
            if syntax.relation(first.dep_) != "conj":
                break
            first = self.doc[h]
        group, queue = [first], [first]
        while queue:
            for child in queue.pop().children:
                if syntax.relation(child.dep_) == "conj" and child not in group:
                    group.append(child)
                    queue.append(child)
        return tuple(sorted((t for t in group if t.i != self.i), key=lambda t: t.i)) if len(group) > 1 else ()

    @property
    def ancestors(self) -> Iterator["Token"]:
        """The heads above this token, nearest first."""
        return (self.doc[h] for h in syntax.ancestors(self.doc, self.i))

    def is_ancestor(self, descendant: "Token") -> bool:
        return descendant.doc is self.doc and self.i in syntax.ancestors(self.doc, descendant.i)

    @property
    def left_edge(self) -> "Token":
        """The first token of this token's subtree."""
        return self.doc[int(syntax.subtree_edges(self.doc)[0][self.i])]

    @property
    def right_edge(self) -> "Token":
        """The last token of this token's subtree."""
        return self.doc[int(syntax.subtree_edges(self.doc)[1][self.i])]

    @property
    def subtree(self) -> Iterator["Token"]:
        """This token and every token below it, in order."""
        left, right = syntax.subtree_edges(self.doc)
        for j in range(int(left[self.i]), int(right[self.i]) + 1):
            if j == self.i or self.i in syntax.ancestors(self.doc, j):
                yield self.doc[j]

    @property
    def is_sent_start(self) -> bool | None:
        v = int(self.doc._sent_start[self.i])
        return None if v == 0 else v == 1

    @is_sent_start.setter
    def is_sent_start(self, value: bool | None) -> None:
        self.doc._sent_start[self.i] = 0 if value is None else (1 if value else -1)

    @property
    def sent_start(self) -> bool | int:
        """Deprecated: use `is_sent_start`. As spaCy 3's: False for the first token, else the
        raw code (1 starts a sentence, -1 does not, 0 unknown); setting it sets is_sent_start.
        Like spaCy it warns of nothing (a warning here fires on autocompletion)."""
        return False if self.i == 0 else int(self.doc._sent_start[self.i])

    @sent_start.setter
    def sent_start(self, value: bool | None) -> None:
        self.is_sent_start = value

    def check_flag(self, flag_id: str) -> bool:
        """The value of a boolean flag by its `lexloom.attrs` name (`token.check_flag(IS_DIGIT)`)."""
        name = str(flag_id).upper()
        if not name.startswith(("IS_", "LIKE_")) or not hasattr(self, name.lower()):
            raise ValueError(f"check_flag takes a flag such as IS_ALPHA, IS_DIGIT or LIKE_NUM (from lexloom.attrs), not {flag_id!r}")
        return bool(getattr(self, name.lower()))

    @property
    def is_sent_end(self) -> bool | None:
        """Whether the next token starts a sentence (True for the Doc's last); None if unknown."""
        if self.i + 1 == len(self.doc):
            return True
        return self.doc[self.i + 1].is_sent_start

    @property
    def sent(self):
        hook = self._hook("sent")
        if hook:
            return hook(self)
        for sent in self.doc.sents:
            if sent.start <= self.i < sent.end:
                return sent
        raise IndexError(self.i)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other.doc is self.doc and other.i == self.i

    def __hash__(self) -> int:
        return hash((id(self.doc), self.i))
