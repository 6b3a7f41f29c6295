"""A rule-based, data-driven tokenizer following spaCy's algorithm.

The text is split on whitespace into chunks. Each chunk is tokenized alone:

1. an exact special case (`rules`, e.g. "don't" -> "do" "n't") or a
   `token_match` / `url_match` hit (URLs, e-mails, emoticons) ends the work;
2. otherwise prefixes and suffixes are stripped one at a time, re-checking the
   special cases and matchers on what is left after every step;
3. what remains in the middle is split on infixes (hyphens, slashes, ...).

A chunk's tokens depend on the chunk alone, so they are cached: real text
repeats its chunks so often that most of them never reach the regexes, which
is what makes this fast in pure Python.

Whitespace: one ordinary space after a token is its trailing-space flag; any
other whitespace (newlines, tabs, a second space) becomes a whitespace token,
so `"".join(w + " " * s for w, s in zip(words, spaces)) == text` always holds.
CoNLL-U output turns whitespace tokens back into the MISC of the word before
them (`SpacesAfter=`, see `lexloom.convert.conllu.write_conllu`).

Each language's rules are one `TokenizerRules` record (see `lexloom.lang`).

With `split_final_period`, a full stop ending the text is split off an
abbreviation ("etc." -> "etc" "."), as treebanks do at the end of a sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from ..tokens import Doc, Vocab

# A regex method used as a rule: `pattern.search`, `pattern.finditer` or `pattern.match`.
SearchFunction = Callable[[str], "re.Match[str] | None"]
FinditerFunction = Callable[[str], Iterable["re.Match[str]"]]

# Whitespace other than one space between two chunks: tabs, newlines, runs, a space at an edge.
_IRREGULAR_WHITESPACE = re.compile(r"(\s{2,}|[^\S ]|^ | $)")
# A cached chunk: its tokens, and their space flags as if a space followed the chunk.
_ChunkTokens = tuple[tuple[str, ...], tuple[bool, ...]]


def compile_prefix_regex(entries: Iterable[str]) -> re.Pattern[str]:
    """One anchored alternation `^(?:a|b|...)` over regex fragments that may start a chunk."""
    return re.compile("^(?:" + "|".join(entries) + ")")


def compile_suffix_regex(entries: Iterable[str]) -> re.Pattern[str]:
    """One anchored alternation `(?:a|b|...)$` over regex fragments that may end a chunk."""
    return re.compile("(?:" + "|".join(entries) + ")$")


def compile_infix_regex(entries: Iterable[str]) -> re.Pattern[str]:
    """One alternation over regex fragments that split a chunk's middle."""
    return re.compile("|".join(entries))


@dataclass(frozen=True)
class TokenizerRules:
    """What a language's tokenizer knows: every language module defines one as `RULES`.

    `prefixes`, `suffixes` and `infixes` are regex fragments (see the module
    docstring for the order they apply in); `special_cases` maps a whole chunk
    to its tokens; `token_match` and `url_match` keep a matching string whole.
    """

    prefixes: Sequence[str]
    suffixes: Sequence[str]
    infixes: Sequence[str]
    special_cases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    token_match: SearchFunction | None = None
    url_match: SearchFunction | None = None
    split_final_period: bool = False


class _Rule:
    """A rule of the tokenizer (`prefix_search`, `infix_finditer`, ...): setting one empties the
    cache of tokenized chunks, so that the next text is split by the new rule, as in spaCy:
    `nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, tokenizer: "Tokenizer | None", owner: type | None = None):
        return self if tokenizer is None else getattr(tokenizer, self.slot)

    def __set__(self, tokenizer: "Tokenizer", value) -> None:
        setattr(tokenizer, self.slot, value)
        tokenizer._cache = {}


class Tokenizer:
    """Splits text into words and trailing-space flags; `__call__` wraps them in a Doc."""

    prefix_search = _Rule()
    suffix_search = _Rule()
    infix_finditer = _Rule()
    token_match = _Rule()
    url_match = _Rule()

    @classmethod
    def from_rules(cls, vocab: Vocab, rules: TokenizerRules) -> "Tokenizer":
        return cls(
            vocab,
            rules=rules.special_cases,
            prefix_search=compile_prefix_regex(rules.prefixes).search,
            suffix_search=compile_suffix_regex(rules.suffixes).search,
            infix_finditer=compile_infix_regex(rules.infixes).finditer,
            token_match=rules.token_match,
            url_match=rules.url_match,
            split_final_period=rules.split_final_period,
        )

    def __init__(
        self,
        vocab: Vocab,
        *,
        rules: Mapping[str, Sequence[str]],
        prefix_search: SearchFunction | None,
        suffix_search: SearchFunction | None,
        infix_finditer: FinditerFunction | None,
        token_match: SearchFunction | None = None,
        url_match: SearchFunction | None = None,
        split_final_period: bool = False,
        cache_size: int = 100_000,
    ):
        self.vocab = vocab
        for chunk, pieces in rules.items():
            if "".join(pieces) != chunk or not all(pieces):
                raise ValueError(f"special case {chunk!r} -> {list(pieces)!r}: pieces must be non-empty and spell it")
        self.rules: dict[str, tuple[str, ...]] = {chunk: tuple(pieces) for chunk, pieces in rules.items()}
        self.prefix_search = prefix_search
        self.suffix_search = suffix_search
        self.infix_finditer = infix_finditer
        self.token_match = token_match
        self.url_match = url_match
        self.split_final_period = split_final_period
        self.cache_size = cache_size
        self._cache: dict[str, _ChunkTokens] = {}
        # the special cases added after the language's own (saved with a pipeline: `added`)
        self.added: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> Doc:
        words, spaces = self.split(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for text in texts:
            yield self(text)

    def add_special_case(self, string: str, substrings: Sequence[dict | str]) -> None:
        """Tokenize the chunk `string` as `substrings`, spaCy's `[{"ORTH": "gim"}, {"ORTH": "me"}]`
        (or plain strings), which must spell it. A pipeline saved with `nlp.to_disk` keeps it."""
        pieces = []
        for sub in substrings:
            if isinstance(sub, dict):
                unknown = sorted(set(sub) - {"ORTH", "NORM"})
                if unknown or "ORTH" not in sub:
                    raise ValueError(f"special case {string!r}: each piece is {{'ORTH': text}} (NORM is ignored here), not {sub!r}")
                sub = sub["ORTH"]
            pieces.append(str(sub))
        if "".join(pieces) != string or not all(pieces):
            raise ValueError(f"special case {string!r} -> {pieces!r}: pieces must be non-empty and spell it")
        if any(c.isspace() for c in string):
            raise ValueError(f"special case {string!r}: a special case is one whitespace-free chunk")
        self.rules[string] = self.added[string] = tuple(pieces)
        self._cache.clear()

    def explain(self, text: str) -> list[tuple[str, str]]:
        """(rule, token) for each token of `text`, as spaCy's `tokenizer.explain`: which rule
        made it: SPECIAL-n, TOKEN_MATCH, URL_MATCH, PREFIX, SUFFIX, INFIX or TOKEN."""
        out: list[tuple[str, str]] = []
        for chunk in text.split():
            out += self._split_chunk(chunk)
        return out

    def split(self, text: str) -> tuple[list[str], list[bool]]:
        """Tokenize `text` into (words, trailing-space flags) that spell it exactly."""
        chunks = text.split()
        if " ".join(chunks) == text:  # the common case: one space between chunks, none at the edges
            words, spaces = self._split_chunks(chunks)
        else:
            words, spaces = self._split_any_whitespace(text)
        if self.split_final_period and words and not text[-1].isspace():
            _split_final_period(words, spaces)
        return words, spaces

    def _split_chunks(self, chunks: list[str]) -> tuple[list[str], list[bool]]:
        """Tokens of single-spaced chunks: the hot path, so it is kept lean."""
        words: list[str] = []
        spaces: list[bool] = []
        cached = self._cache.get
        for chunk in chunks:
            chunk_words, chunk_spaces = cached(chunk) or self._tokenize_chunk(chunk)
            words += chunk_words
            spaces += chunk_spaces
        if spaces:
            spaces[-1] = False
        return words, spaces

    def _split_any_whitespace(self, text: str) -> tuple[list[str], list[bool]]:
        """Runs of single-spaced chunks between whitespace tokens (newlines, tabs, extra spaces)."""
        words: list[str] = []
        spaces: list[bool] = []
        pieces = _IRREGULAR_WHITESPACE.split(text)  # chunks, whitespace, chunks, ..., chunks
        for i in range(0, len(pieces), 2):
            if pieces[i]:
                chunk_words, chunk_spaces = self._split_chunks(pieces[i].split(" "))
                words += chunk_words
                spaces += chunk_spaces
            if i + 1 < len(pieces):
                append_whitespace(words, spaces, pieces[i + 1])
        return words, spaces

    # --- one chunk -----------------------------------------------------------------
    def _tokenize_chunk(self, chunk: str) -> _ChunkTokens:
        tokens = [token for _, token in self._split_chunk(chunk)]
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        entry = (tuple(tokens), (False,) * (len(tokens) - 1) + (True,))
        self._cache[chunk] = entry
        return entry

    def _whole(self, string: str) -> str | None:
        """The matcher that keeps `string` whole (TOKEN_MATCH, URL_MATCH), if one does."""
        if self._token_match is not None and self._token_match(string):
            return "TOKEN_MATCH"
        if self._url_match is not None and self._url_match(string):
            return "URL_MATCH"
        return None

    def _split_chunk(self, chunk: str) -> list[tuple[str, str]]:
        """Special cases, then affixes stripped from both ends, then infixes in the middle:
        (rule, token) pairs."""
        rules, prefix_search, suffix_search = self.rules, self._prefix_search, self._suffix_search
        prefixes: list[tuple[str, str]] = []
        suffixes: list[tuple[str, str]] = []  # innermost last
        middle = chunk
        while middle:
            special = rules.get(middle)
            if special is not None:
                return prefixes + [(f"SPECIAL-{k + 1}", t) for k, t in enumerate(special)] + suffixes[::-1]
            whole = self._whole(middle)
            if whole is not None:
                return prefixes + [(whole, middle)] + suffixes[::-1]
            prefix = prefix_search(middle) if prefix_search is not None else None
            if prefix is not None and 0 < prefix.end() < len(middle):
                prefixes.append(("PREFIX", prefix.group()))
                middle = middle[prefix.end():]
                continue
            suffix = suffix_search(middle) if suffix_search is not None else None
            if suffix is not None and 0 < suffix.start():
                suffixes.append(("SUFFIX", suffix.group()))
                middle = middle[: suffix.start()]
                continue
            break
        return prefixes + self._split_infixes(middle) + suffixes[::-1]

    def _split_infixes(self, string: str) -> list[tuple[str, str]]:
        if self._infix_finditer is None:
            return [("TOKEN", string)]
        tokens = []
        start = 0
        for match in self._infix_finditer(string):
            if match.start() == 0 and match.end() == len(string):
                break  # the whole string is an infix: keep it as it is
            if match.start() > start:
                tokens.append(("TOKEN", string[start : match.start()]))
            if match.end() > match.start():
                tokens.append(("INFIX", match.group()))
            start = match.end()
        if start < len(string):
            tokens.append(("TOKEN", string[start:]))
        return tokens


def append_whitespace(words: list[str], spaces: list[bool], whitespace: str) -> bool:
    """Add the (non-empty) `whitespace` that follows `words` as Docs keep it: a first space is
    the last token's trailing space, the rest a whitespace token of its own. True if a token
    was added."""
    if words and whitespace[0] == " ":
        spaces[-1] = True
        whitespace = whitespace[1:]
    if whitespace:
        words.append(whitespace)
        spaces.append(False)
        return True
    return False


_ENDS_WITH_LETTER_AND_PERIOD = re.compile(r"[^\W\d_]\.$")


def _split_final_period(words: list[str], spaces: list[bool]) -> None:
    """Split the full stop off an abbreviation that ends the text: it also ends the sentence.

    UD treebanks write "... and so on, etc." as "etc" "." and "in the U.S." as
    "U.S" ".": one full stop cannot be two tokens, so the sentence keeps it.
    """
    last = words[-1]
    if len(last) > 1 and _ENDS_WITH_LETTER_AND_PERIOD.search(last):
        words[-1:] = [last[:-1], "."]
        spaces.append(False)
