"""`mwt`: multi-word tokens expanded into their syntactic words ("del" -> "de" "el", "dárselo" -> "dar" "se" "lo").

Learned from the multi-word tokens of the training data (`user_data["mwts"]`):

- **a dictionary** of every surface form seen, with its most frequent expansion
  (exact form first, then the lowercased form, its case carried over);
- **suffix rules** to expand forms never seen, as morphological guessers learn them:
  each training pair whose trailing words spell the end of the surface form
  ("quedarse" = "quedar" + "se", "convirtiéndose" = "convirtiendo" + "se")
  gives a rule, the trailing words plus how the rest becomes the first word
  (unchanged, accents removed, or its last letters rewritten). Rules are indexed
  by the form's ending: the trailing words' letters and up to `max_suffix`
  letters before them. An unseen form takes the most frequent rule of its
  longest known ending ("dejarlos" ends like "transportarlos": "dejar" + "los").

It expands the tokens the `segmenter` marked as multi-word (one-word ranges in
`user_data["mwts"]`), and those the treebank makes multi-word more often than not:
by their form, or for a form it never saw, by **a character-level model** of its
endings (a logistic regression over hashed endings of one to six letters, whether the
letters before them carry an accent, and the length: "estudiándola" is a gerund with a
clitic, "-ase" mostly a word). A token no entry or rule fits stays one word.
It `tokenizes`: it runs when the pipeline makes Docs of text (`nlp.make_doc`,
`nlp.pipe(texts)`), after the segmenter, never on a Doc given to the pipeline (whose
words are already known). Docs the segmenter did not make (whose sentences are not
known yet) are left alone. It is a `Pipe`, not a `TrainablePipe`: its tables (saved as JSON)
and its ending model (a few seconds of full-batch fitting on the training forms, saved as
safetensors) are learned in `initialize`, not in the training loop. The Doc keeps
its text: the words of each multi-word token are one range of
`user_data["mwts"]`, spelled by the surface form (`Doc.text`) and written as a
`3-4 del` range line in CoNLL-U.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import ModelLoadError
from ..files import atomic_path, atomic_write_text
from ..tokens import Doc, Example
from .base import DataProblem, Pipe
from .factories import factory
from .features import _hash

# A rule: (trailing words, strip accents from the rest, letters cut from its end, letters added)
Rule = tuple[tuple[str, ...], bool, int, str]
ENDING_ROWS = 1 << 15  # hashed feature rows of the ending model


def ending_features(form: str) -> list[int]:
    """The hashed feature rows the ending model reads of a lowercased form: its endings of one
    to six letters (each leaving a letter before it), the same endings again where the
    letters before them carry an accent ("estudiándola": a gerund with a clitic), and its
    length."""
    features = [f"len={min(len(form), 12)}"]
    for n in range(1, min(6, len(form) - 1) + 1):
        ending, rest = form[-n:], form[:-n]
        features.append("end=" + ending)
        if strip_accents(rest) != rest:
            features.append("accented+" + ending)
    return [_hash(f, 0) % ENDING_ROWS for f in features]


def strip_accents(text: str) -> str:
    """`text` without combining accents ("convirtiéndo" -> "convirtiendo")."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


def _with_case(words: Sequence[str], form: str) -> list[str]:
    """`words` (lowercase) cased like the surface `form`: the form's own letters where the words
    spell it, else all upper case for an upper-case form, a capital first word for a capitalized one."""
    if "".join(words).lower() == form.lower():
        out, position = [], 0
        for w in words:
            out.append(form[position : position + len(w)])
            position += len(w)
        return out
    if form.isupper() and len(form) > 1:
        return [w.upper() for w in words]
    if form[:1].isupper():
        return [words[0][:1].upper() + words[0][1:], *words[1:]]
    return list(words)


def rule_of(form: str, words: Sequence[str]) -> Rule | None:
    """The suffix rule of one training pair, or None where the trailing words do not spell the
    end of the form (a contraction such as "del" = "de" + "el" is left to the dictionary)."""
    form, words = form.lower(), [w.lower() for w in words]
    tail = "".join(words[1:])
    if len(form) <= len(tail) or not form.endswith(tail):
        return None
    stem, first = form[: len(form) - len(tail)], words[0]
    best = None
    for strip in (False, True):
        source = strip_accents(stem) if strip else stem
        common = 0
        while common < min(len(source), len(first)) and source[common] == first[common]:
            common += 1
        rule = (tuple(words[1:]), strip, len(source) - common, first[common:])
        if best is None or (rule[2], len(rule[3])) < (best[2], len(best[3])):
            best = rule
    return best


def apply_rule(form: str, rule: Rule) -> list[str] | None:
    """The words of `form` under `rule`, cased like the form; None where it does not fit."""
    tail_words, strip, cut, add = rule
    tail = "".join(tail_words)
    if len(form) <= len(tail) or not form.lower().endswith(tail):
        return None
    stem = form[: len(form) - len(tail)]
    source = strip_accents(stem) if strip else stem
    if cut >= len(source) or (strip and source == stem):
        return None
    first = source[: len(source) - cut] + (add.upper() if stem.isupper() else add)
    out, position = [first], len(stem)
    for w in tail_words:  # the trailing words keep the surface's own letters
        out.append(form[position : position + len(w)])
        position += len(w)
    return out


class MultiWordTokenExpander(Pipe):
    """Expands the multi-word tokens the segmenter marked (see the module docstring)."""

    tokenizes = True
    data_checks = {
        "mwts_not_per_sentence": ("warning", "docs whose multi-word tokens (`user_data[\"mwts\"]`) are not one list per "
                                  "sentence: they are not learned, and count as single words"),
    }

    def __init__(self, nlp, name: str, *, max_suffix: int = 4, min_rule_count: int = 1):
        super().__init__(nlp, name)
        self.max_suffix = max_suffix
        self.min_rule_count = min_rule_count
        self.exact: dict[str, list[str]] = {}
        self.lower: dict[str, list[str]] = {}
        self.rules: dict[str, list[tuple[Rule, int]]] = {}
        # how often each surface form was a multi-word token and a single word: [as mwt, as word],
        # by exact form and by lowercased form
        self.counts: dict[str, dict[str, list[int]]] = {"exact": {}, "lower": {}}
        self._cache: dict[tuple[str, bool], list[str] | None] = {}  # (form, marked) -> its words
        # the ending model: a weight per hashed feature row, and a bias (see `fit_endings`)
        self.ending_weights: np.ndarray | None = None
        self.ending_bias = 0.0

    # --- learning the table and the rules ------------------------------------------------------
    def initialize(self, get_examples, labels=None) -> None:
        """Learn the dictionary, the suffix rules and the counts from the references' multi-word tokens."""
        exact: dict[str, Counter] = defaultdict(Counter)
        lower: dict[str, Counter] = defaultdict(Counter)
        rules: dict[str, Counter] = defaultdict(Counter)
        surface: list[tuple[str, bool]] = []  # every surface token: its form, and whether it is multi-word
        for eg in get_examples():
            ref = eg.reference
            inside = np.zeros(len(ref), dtype=bool)
            for start, end, _ in ref.multiword_tokens():
                inside[start:end] = True
            surface += [(w, False) for w, i in zip(ref.words, inside) if not i and not w.isspace()]
            for form, words in multiword_pairs(ref):
                surface.append((form, True))
                exact[form][tuple(words)] += 1
                lower[form.lower()][tuple(w.lower() for w in words)] += 1
                rule = rule_of(form, words)
                if rule is None:
                    continue
                tail = len("".join(rule[0]))
                low = form.lower()
                for length in range(tail, min(len(low) - 1, tail + self.max_suffix) + 1):
                    rules[low[-length:]][rule] += 1
        self.exact = {f: list(c.most_common(1)[0][0]) for f, c in exact.items()}
        self.lower = {f: list(c.most_common(1)[0][0]) for f, c in lower.items()}
        minimum = self.min_rule_count
        self.rules = {s: [(r, n) for r, n in c.most_common() if n >= minimum] for s, c in rules.items()}
        counts: dict[str, dict[str, list[int]]] = {"exact": {}, "lower": {}}
        for form, multiword in surface:
            for table, key in (("exact", form), ("lower", form.lower())):
                counts[table].setdefault(key, [0, 0])[0 if multiword else 1] += 1
        # an exact form matters where its lowercased form was ever multi-word ("Al", a word, beside "al")
        counts["exact"] = {k: v for k, v in counts["exact"].items() if counts["lower"][k.lower()][0]}
        self.counts = counts
        self.fit_endings()
        self._cache = {}

    def fit_endings(self, steps: int = 300, learn_rate: float = 0.05, l2: float = 1e-5) -> None:
        """Learn the ending model from every lowercased form of the training data, each weighted
        once, its target the share of its occurrences that were multi-word: a logistic
        regression over `ending_features`, fitted by full-batch Adam from zero weights (so the
        same data gives the same model). Forms are types, not tokens, since the forms the
        model judges are those never seen, which are rare. Its settings were chosen by two-fold
        cross-validation on the training files (benchmarks/RESULTS.md)."""
        import torch

        from ..models.endings import EndingClassifier

        forms = sorted(self.counts["lower"])
        if not forms or not any(self.counts["lower"][f][0] for f in forms):
            self.ending_weights, self.ending_bias = None, 0.0
            return
        rows = [ending_features(f) for f in forms]
        flat = np.array([r for row in rows for r in row], dtype=np.int64)
        used, ids = np.unique(flat, return_inverse=True)  # fitted on the rows in use only: fast
        offsets = torch.tensor(np.cumsum([0] + [len(row) for row in rows[:-1]]), dtype=torch.long)
        targets = torch.tensor([self.counts["lower"][f][0] / sum(self.counts["lower"][f]) for f in forms], dtype=torch.float32)
        model = EndingClassifier(len(used))
        optimizer = torch.optim.Adam(model.parameters(), lr=learn_rate)
        ids = torch.from_numpy(ids.reshape(-1))
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, offsets), targets)
            (loss + l2 * model.weights.weight.pow(2).sum()).backward()
            optimizer.step()
        self.ending_weights = np.zeros(ENDING_ROWS, dtype=np.float32)
        self.ending_weights[used] = model.weights.weight.detach()[:, 0].numpy()
        self.ending_bias = float(model.bias.detach()[0])

    def ending_score(self, form: str) -> float:
        """The ending model's log-odds that the lowercased `form` is a multi-word token."""
        return float(self.ending_weights[ending_features(form)].sum()) + self.ending_bias

    def is_multiword(self, form: str) -> bool:
        """Whether the treebank makes `form` a multi-word token, when the segmenter did not mark it:
        as it did more often than not with this exact form, or lowercased; a form never seen
        as the ending model says (never, for a model saved without one)."""
        for table, key in (("exact", form), ("lower", form.lower())):
            found = self.counts[table].get(key)
            if found is not None:
                return found[0] > found[1]
        return self.ending_weights is not None and self.ending_score(form.lower()) > 0

    # --- expanding ----------------------------------------------------------------------------
    def expand(self, form: str) -> list[str] | None:
        """The syntactic words of the surface token `form`, or None where nothing fits."""
        words = self.exact.get(form)
        if words is not None:
            return list(words)
        words = self.lower.get(form.lower())
        if words is not None:
            return _with_case(words, form)
        low = form.lower()
        for length in range(len(low) - 1, 0, -1):
            for rule, _ in self.rules.get(low[-length:], ()):
                words = apply_rule(form, rule)
                if words is not None:
                    return words
        return None

    def make_docs(self, texts: Sequence[str], docs: list[Doc] | None = None) -> list[Doc]:
        """`docs` (made by the segmenter, or by the tokenizer when there is none) with every
        token marked multi-word replaced by its words."""
        if docs is None:
            docs = [self.nlp.tokenizer(t) for t in texts]
        return [self(doc) for doc in docs]

    def __call__(self, doc: Doc) -> Doc:
        """`doc`, or a new Doc where each token to expand (marked by the segmenter, or multi-word
        by the treebank's counts: `is_multiword`) is replaced by its words; the words of each
        multi-word token are one range of `user_data["mwts"]`, spelled by its surface form."""
        per_sentence = doc.user_data.get("mwts")
        bounds = doc._sent_bounds()
        sents = list(zip(bounds[:-1], bounds[1:]))
        if not per_sentence or len(per_sentence) != len(sents):
            return doc  # not made by a segmenter: its sentences are not known yet
        old_words = doc.words
        marked = {first + s for (first, _), ranges in zip(sents, per_sentence) for s, e, _ in ranges if e - s == 1}
        cache = self._cache
        expansions = {}
        for i, word in enumerate(old_words):
            key = (word, i in marked)
            if key not in cache:
                words = self.expand(word) if key[1] or self.is_multiword(word) else None
                cache[key] = words if words and len(words) > 1 and all(words) else None
            if cache[key] is not None:
                expansions[i] = cache[key]
        if not expansions:
            return doc
        words, spaces, starts, mwts = [], [], [], []
        old_spaces, old_starts = doc.spaces, doc._sent_start.tolist()
        for (first, last), ranges in zip(sents, per_sentence):
            whole = {first + s: (first + e, form) for s, e, form in ranges if e - s > 1}
            begin = len(words)
            sentence_mwts = []
            i = first
            while i < last:
                if i in whole:  # already expanded: keep it, at its new place
                    end, form = whole[i]
                    sentence_mwts.append([len(words) - begin, len(words) - begin + end - i, form])
                    words += old_words[i:end]
                    spaces += old_spaces[i:end]
                    starts += old_starts[i:end]
                    i = end
                    continue
                expansion = expansions.get(i)
                if expansion is not None:
                    sentence_mwts.append([len(words) - begin, len(words) - begin + len(expansion), old_words[i]])
                    words += expansion
                    spaces += [False] * (len(expansion) - 1) + [old_spaces[i]]
                    starts += [old_starts[i]] + [-1] * (len(expansion) - 1)
                else:
                    words.append(old_words[i])
                    spaces.append(old_spaces[i])
                    starts.append(old_starts[i])
                i += 1
            mwts.append(sentence_mwts)
        new = Doc(doc.vocab, words, spaces, sent_starts=[None if s == 0 else s == 1 for s in starts])
        new.user_data = {**doc.user_data, "mwts": mwts}
        return new

    # --- judging ---------------------------------------------------------------------------------
    def score(self, examples: Sequence[Example]) -> dict[str, float]:
        """`mwt_acc`: the share of the references' multi-word tokens expanded into their words."""
        pairs = [pair for eg in examples for pair in multiword_pairs(eg.reference)]
        if not pairs:
            return {}
        return {"mwt_acc": sum(self.expand(form) == words for form, words in pairs) / len(pairs)}

    def check_gold(self, doc: Doc) -> Iterable[DataProblem]:
        """A Doc whose multi-word tokens are not filed one list per sentence (`Doc.multiword_tokens`
        then sees none): a Doc built by hand, or whose sentences changed after conversion."""
        per_sentence = doc.user_data.get("mwts")
        if per_sentence and (not isinstance(per_sentence, list) or len(per_sentence) != sum(1 for _ in doc.sents)):
            yield DataProblem("mwts_not_per_sentence", 0, len(doc))

    # --- saving ------------------------------------------------------------------------------------
    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        table = {"exact": self.exact, "lower": self.lower, "counts": self.counts, "rules": {s: [[list(r[0]), r[1], r[2], r[3], n] for r, n in rs] for s, rs in self.rules.items()}}
        atomic_write_text(path / "expansions.json", json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True))
        if self.ending_weights is not None:
            from safetensors.numpy import save_file

            with atomic_path(path / "endings.safetensors") as tmp:
                save_file({"weights": self.ending_weights, "bias": np.array([self.ending_bias], dtype=np.float32)}, str(tmp))

    def from_disk(self, path: Path) -> "MultiWordTokenExpander":
        tables = path / "expansions.json"
        if not tables.exists():
            raise ModelLoadError(f"{path}: missing expansions.json for component {self.name!r}")
        table = json.loads(tables.read_text(encoding="utf8"))
        self.exact, self.lower, self.counts = table["exact"], table["lower"], table["counts"]
        self._cache = {}
        self.rules = {s: [((tuple(t), bool(strip), int(cut), add), int(n)) for t, strip, cut, add, n in rs] for s, rs in table["rules"].items()}
        self.ending_weights, self.ending_bias = None, 0.0
        endings = path / "endings.safetensors"
        if endings.exists():
            from safetensors import SafetensorError
            from safetensors.numpy import load_file

            try:
                arrays = load_file(str(endings))
                weights, bias = arrays["weights"], arrays["bias"]
            except (SafetensorError, KeyError, OSError) as e:
                raise ModelLoadError(f"{endings}: not the ending model of component {self.name!r} ({e})") from None
            if weights.shape != (ENDING_ROWS,) or bias.shape != (1,):
                raise ModelLoadError(f"{endings}: weights of shape {weights.shape}, expected ({ENDING_ROWS},)")
            self.ending_weights, self.ending_bias = weights.astype(np.float32), float(bias[0])
        return self


def multiword_pairs(doc: Doc) -> list[tuple[str, list[str]]]:
    """(surface form, words) of each multi-word token of a Doc."""
    words = doc.words
    return [(form, words[start:end]) for start, end, form in doc.multiword_tokens()]


@factory("mwt", {"max_suffix": 4, "min_rule_count": 1}, assigns=["token.orth"], default_score_weights={"mwt_acc": None})
def make_mwt(nlp, name: str, max_suffix: int = 4, min_rule_count: int = 1) -> MultiWordTokenExpander:
    return MultiWordTokenExpander(nlp, name, max_suffix=max_suffix, min_rule_count=min_rule_count)
