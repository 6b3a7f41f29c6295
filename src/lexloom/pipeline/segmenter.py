"""`segmenter`: tokens, sentences and multi-word tokens found in raw text, learned from a treebank.

Learned from the treebank itself, as Stanza and UDPipe learn theirs: each
training Doc is spelled back into its raw text (a multi-word token by its
surface form, from `user_data["mwts"]`; the whitespace from the tokens'
spaces), one paragraph a text, as raw text is read, and the text is cut into
**pieces**: runs of letters (with their combining marks), runs of digits, and
every other character alone. A character
of a script written without spaces (Han, Kana, Thai, ...) is a piece of its own.
Tokens are made of whole pieces: in UD English-EWT train 65 of 200,707 token
boundaries fall inside a run of letters or digits, in Spanish-GSD none. Each
piece gets one label:

    inside        the token goes on into the next piece
    token         the piece ends a token
    sentence      the piece ends a token that ends a sentence
    mwt           the piece ends a multi-word token
    mwt_sentence  the piece ends a multi-word token that ends a sentence

A bidirectional LSTM reads the pieces of a text and labels them. Each piece is
hashed embeddings of its lexical features and of the whitespace-delimited chunk
it is in ("b/c", "08/16/2000"), plus the whitespace after it and whether the
rule-based tokenizer ends a token there. Reading pieces rather than characters
is what keeps it fast: a piece is about one word.

At inference the segmenter makes the Docs (it `tokenizes`: it runs in place of the
tokenizer in `Language.make_doc` / `Language.pipe`): whitespace always ends a token, so does every piece labelled
an end, and the end of a text ends a sentence. A token labelled multi-word is
marked in `user_data["mwts"]` as a range of one word, for the `mwt` component to
expand into its syntactic words; without one it stays a single word.
"""
from __future__ import annotations

import json
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ..config.registry import registry
from ..lang.tokenizer import append_whitespace
from ..lang.xx.punctuation import UNSEGMENTED
from ..models.segmenter import SegmenterModel
from ..files import atomic_write_text
from ..tokens import Doc, Example, Vocab
from .base import DataProblem, TrainablePipe
from .factories import factory
from .features import FEATURE_FUNCS, _hash

LABELS = ("inside", "token", "sentence", "mwt", "mwt_sentence")
INSIDE, TOKEN_END, SENT_END, MWT_END, MWT_SENT_END = range(len(LABELS))
# The whitespace after a piece.
SPACE_NONE, SPACE_ONE, SPACE_NEWLINE, SPACE_OTHER, SPACE_END = range(5)
N_SPACE_CLASSES = 5
# Character classes: pieces are runs of one class; "alone" characters are pieces of their own.
_SPACE, _LETTER, _DIGIT, _ALONE = range(4)
_UNSEGMENTED = re.compile(f"[{UNSEGMENTED}]")


def _char_class(char: str) -> int:
    if char.isspace():
        return _SPACE
    category = unicodedata.category(char)
    if _UNSEGMENTED.match(char) and category[0] in "LM":
        return _ALONE
    if category[0] in "LM":
        return _LETTER
    if category[0] == "N":
        return _DIGIT
    return _ALONE


class Pieces:
    """A text cut into pieces: their character spans, strings and the whitespace after each."""

    _classes: dict[int, int] = {}

    def __init__(self, text: str):
        self.text = text
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        unique, inverse = np.unique(codes, return_inverse=True)
        lookup = self._classes
        for code in unique.tolist():
            if code not in lookup:
                lookup[code] = _char_class(chr(code))
        classes = np.array([lookup[c] for c in unique.tolist()], dtype=np.int8)[inverse] if len(codes) else np.zeros(0, np.int8)
        visible = classes != _SPACE
        previous = np.concatenate([[_SPACE], classes[:-1]])
        self.starts = np.flatnonzero(visible & ((classes != previous) | (classes == _ALONE)))
        following = np.append(self.starts[1:], len(text))
        spaces = np.append(np.flatnonzero(~visible), len(text))
        # a piece ends at the next piece or at the whitespace after it, whichever comes first
        self.ends = np.minimum(following, spaces[np.searchsorted(spaces, self.starts)])
        # the whitespace up to the next piece: none, one space, with a line break, any other
        gap = following - self.ends
        breaks = np.concatenate([[0], np.cumsum((codes == 10) | (codes == 13))])
        padded = np.append(codes, 0)
        after = np.where(gap == 0, SPACE_NONE,
                         np.where(breaks[following] > breaks[self.ends], SPACE_NEWLINE,
                                  np.where((gap == 1) & (padded[self.ends] == 32), SPACE_ONE, SPACE_OTHER))).astype(np.int64)
        if len(after):
            after[-1] = SPACE_END
        self.after = after
        # the whitespace-delimited chunk each piece belongs to ("dresscod.com" for "com")
        k = np.searchsorted(spaces, self.starts)
        self.chunk_starts = np.where(k > 0, spaces[np.maximum(k - 1, 0)] + 1, 0)
        self.chunk_ends = spaces[k]

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def strings(self) -> list[str]:
        text = self.text
        return [text[s:e] for s, e in zip(self.starts.tolist(), self.ends.tolist())]

    @property
    def chunks(self) -> list[str]:
        text = self.text
        return [text[s:e] for s, e in zip(self.chunk_starts.tolist(), self.chunk_ends.tolist())]


class PieceFeatures:
    """Hashed rows of each piece's lexical features (`FEATURE_FUNCS`), cached per string and
    stable across machines (crc32, as the tok2vec's features). A feature named `CHUNK_<attr>`
    is taken of the whitespace-delimited chunk the piece is in: `CHUNK_SHAPE` of "b/c" or
    "08/16/2000" tells each of their pieces what it belongs to."""

    def __init__(self, attrs: Sequence[str], rows: Sequence[int], n_seeds: int = 2):
        own = [a.removeprefix("CHUNK_") for a in attrs]
        unknown = [a for a, o in zip(attrs, own) if o not in FEATURE_FUNCS]
        if unknown:
            raise ValueError(f"unknown lexical features {unknown}; available: {sorted(FEATURE_FUNCS)} and CHUNK_ of each")
        if len(attrs) != len(rows):
            raise ValueError(f"{len(attrs)} features but {len(rows)} row counts")
        self.attrs = list(attrs)
        self.rows = list(rows)
        self.n_seeds = n_seeds
        self._of_piece = [(f, FEATURE_FUNCS[o]) for f, (a, o) in enumerate(zip(attrs, own)) if a == o]
        self._of_chunk = [(f, FEATURE_FUNCS[o]) for f, (a, o) in enumerate(zip(attrs, own)) if a != o]
        # rows of every string seen, in one table per kind: a string's index, then its rows
        self._index: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self._tables = [np.zeros((0, len(funcs), n_seeds), dtype=np.int64) for funcs in (self._of_piece, self._of_chunk)]

    def _lookup(self, strings: list[str], kind: int) -> np.ndarray:
        """The rows of `strings` (pieces: kind 0, chunks: kind 1), computing those not seen yet."""
        index = self._index[kind]
        if len(index) > 1_000_000:
            index.clear()
            self._tables[kind] = self._tables[kind][:0]
        new = [s for s in dict.fromkeys(strings) if s not in index]
        if new:
            funcs = self._of_chunk if kind else self._of_piece
            rows = np.array([[[_hash(func(s), seed * 31 + f) % self.rows[f] for seed in range(self.n_seeds)] for f, func in funcs]
                             for s in new], dtype=np.int64).reshape(len(new), len(funcs), self.n_seeds)
            base = len(self._tables[kind])
            index.update((s, base + k) for k, s in enumerate(new))
            self._tables[kind] = np.concatenate([self._tables[kind], rows])
        return self._tables[kind][[index[s] for s in strings]]

    def __call__(self, pieces: "Pieces") -> np.ndarray:
        """(n_pieces, n_features, n_seeds) rows."""
        out = np.empty((len(pieces), len(self.attrs), self.n_seeds), dtype=np.int64)
        if not len(pieces):
            return out
        out[:, [f for f, _ in self._of_piece]] = self._lookup(pieces.strings, 0)
        if self._of_chunk:
            out[:, [f for f, _ in self._of_chunk]] = self._lookup(pieces.chunks, 1)
        return out


# --- the training data: a gold Doc spelled back into raw text, one label per piece ----------
def raw_text_labels(doc: Doc) -> tuple[str, np.ndarray]:
    """The raw text of a gold Doc and a label per character: the label of the token, sentence
    or multi-word token that ends at that character, `INSIDE` elsewhere.

    Multi-word tokens (`user_data["mwts"]`, one list per sentence) are spelled by their
    surface form; sentences follow `doc.sents`; whitespace tokens are kept as they are."""
    parts = sentence_texts(doc)
    return "".join(t for t, _ in parts), np.concatenate([l for _, l in parts]) if parts else np.zeros(0, dtype=np.int64)


def sentence_texts(doc: Doc) -> list[tuple[str, np.ndarray]]:
    """`raw_text_labels` of each of `doc.sents` in turn, with the whitespace after it."""
    words = doc.words
    spaces = doc.spaces
    sents = list(doc.sents)
    mwts = doc.user_data.get("mwts")
    if not isinstance(mwts, list) or len(mwts) != len(sents):
        mwts = [[] for _ in sents]
    out: list[tuple[str, np.ndarray]] = []
    for sent, ranges in zip(sents, mwts):
        parts: list[str] = []
        labels: list[np.ndarray] = []
        starts = {sent.start + int(s): (sent.start + int(e), form) for s, e, form in ranges if int(e) > int(s)}
        last_word = max((i for i in range(sent.start, sent.end) if not words[i].isspace()), default=sent.end - 1)
        i = sent.start
        while i < sent.end:
            if i in starts:
                end, form = starts[i]
                last, label = end - 1, MWT_END
            else:
                form, last, label = words[i], i, TOKEN_END
            if form.isspace():
                label = INSIDE
            elif last >= last_word:
                label += 1  # SENT_END or MWT_SENT_END
            token = np.zeros(len(form), dtype=np.int64)
            token[-1] = label
            parts.append(form)
            labels.append(token)
            if spaces[last]:
                parts.append(" ")
                labels.append(np.zeros(1, dtype=np.int64))
            i = last + 1
        out.append(("".join(parts), np.concatenate(labels)))
    return out


def paragraph_starts(doc: Doc) -> list[bool]:
    """Whether each of `doc.sents` starts a paragraph (`user_data["paragraph_starts"]`, set by
    CoNLL-U's `# newpar` and `# newdoc`); all False where the treebank marks none."""
    n = sum(1 for _ in doc.sents)
    starts = doc.user_data.get("paragraph_starts")
    return [bool(s) for s in starts] if isinstance(starts, list) and len(starts) == n else [False] * n


def paragraph_texts(doc: Doc) -> list[tuple[str, np.ndarray]]:
    """`raw_text_labels` of each paragraph of a gold Doc, the units raw text is read in (the
    whole Doc where no paragraphs are marked)."""
    out: list[tuple[list[str], list[np.ndarray]]] = []
    for (text, labels), new_paragraph in zip(sentence_texts(doc), paragraph_starts(doc)):
        if out and not new_paragraph:
            out[-1][0].append(text)
            out[-1][1].append(labels)
        else:
            out.append(([text], [labels]))
    return [("".join(texts), np.concatenate(labels)) for texts, labels in out]


# --- inference: piece scores to a Doc --------------------------------------------------------
def segment(pieces: Pieces, probs: np.ndarray, sent_threshold: float = 0.5) -> list[tuple[int, int, bool, bool]]:
    """The tokens of a text from its pieces' label probabilities (n_pieces, len(LABELS)):
    (start char, end char, ends a sentence, is a multi-word token) per token."""
    n = len(pieces)
    if not n:
        return []
    end_p = 1.0 - probs[:, INSIDE]
    ends = (end_p > 0.5) | (pieces.after != SPACE_NONE)
    ends[-1] = True
    end_idx = np.flatnonzero(ends)
    start_idx = np.concatenate([[0], end_idx[:-1] + 1])
    sent_p = probs[end_idx, SENT_END] + probs[end_idx, MWT_SENT_END]
    mwt_p = probs[end_idx, MWT_END] + probs[end_idx, MWT_SENT_END]
    sentence = sent_p > sent_threshold * end_p[end_idx]
    sentence[-1] = True
    mwt = mwt_p > 0.5 * end_p[end_idx]
    return list(zip(pieces.starts[start_idx].tolist(), pieces.ends[end_idx].tolist(), sentence.tolist(), mwt.tolist()))


def doc_from_segments(vocab: Vocab, text: str, segments: Iterable[tuple[int, int, bool, bool]]) -> Doc:
    """A Doc spelling `text` exactly: the tokens of `segments`, whitespace as the rule-based
    tokenizer keeps it (one space is a token's trailing space, any other whitespace a token
    of its own, which belongs to the sentence before it), sentence starts, and the
    multi-word tokens as one-word ranges in `user_data["mwts"]` (one list per sentence)."""
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[bool] = []
    mwts: list[list] = []

    def whitespace(gap: str) -> None:
        if append_whitespace(words, spaces, gap):
            starts.append(not starts)  # leading whitespace is the first sentence's first token

    position = 0
    sentence_begin = 0
    new_sentence = True
    for start, end, ends_sentence, is_mwt in segments:
        if start > position:
            whitespace(text[position:start])
        if new_sentence:
            sentence_begin = len(words) if mwts else 0
            starts.append(bool(mwts) or not words)
            mwts.append([])
        else:
            starts.append(False)
        if is_mwt:
            k = len(words) - sentence_begin
            mwts[-1].append([k, k + 1, text[start:end]])
        words.append(text[start:end])
        spaces.append(False)
        position = end
        new_sentence = ends_sentence
    if position < len(text):
        whitespace(text[position:])
    if words and not mwts:
        mwts.append([])  # whitespace only: one sentence
    doc = Doc(vocab, words, spaces, sent_starts=starts)
    doc.user_data["mwts"] = mwts
    return doc


# --- the component ---------------------------------------------------------------------------
class SegmenterSpec:
    """What `lexloom.Segmenter.v1` resolves to: the piece featurizer, whether the rule-based
    tokenizer's token ends are an input, and `build()` for the model."""

    def __init__(self, features: PieceFeatures, build, tokenizer_feature: bool):
        self.features = features
        self.build = build
        self.tokenizer_feature = tokenizer_feature
        self.tok2vec = None


class Segmenter(TrainablePipe):
    """Finds tokens, sentences and multi-word tokens in raw text (see the module docstring).

    It makes the Docs of the pipeline from text (`tokenizes`), so it runs in
    `nlp.make_doc` / `nlp.pipe(texts)`, before every other component; a Doc given to
    the pipeline keeps its tokens. Trained on each Example's reference, spelled back
    into raw text, in the same `nlp.update` as the other components."""

    tokenizes = True
    data_checks = {
        "text_not_spelled": ("warning", "sentences whose `# text` is not what their words and SpaceAfter spell "
                             "(the segmenter learns from the words)"),
    }

    def __init__(self, nlp, name: str, model: SegmenterSpec, sent_threshold: float = 0.5, max_updates: int = 0,
                 window: int = 200, context: int = 20, batch_size: int = 16):
        super().__init__(nlp, name, model, sent_threshold=sent_threshold, max_updates=max_updates, window=window,
                         context=context, batch_size=batch_size)
        self.updates = 0
        # False until it is initialized on training data with raw text to learn from (or loaded
        # so): until then the tokenizer makes the Docs (`lexloom pretrain` reads its texts so)
        self.learned = False

    def labels_from(self, examples) -> list[str]:
        return list(LABELS)

    def quantize(self) -> None:
        """Stays in float: int8 does not make its small LSTM (64 units each way) any faster, and
        in float it segments exactly as trained (benchmarks/RESULTS.md, "Inference without padding")."""

    def build(self) -> None:
        self.model = self.spec.build().to(self.nlp.device)

    def initialize(self, get_examples, labels=None) -> None:
        """Build the model; if no training Doc carries its raw text (CoNLL-U's `# text`, kept in
        `user_data["texts"]`), there is nothing to learn from and the rule-based tokenizer
        keeps making the Docs (with a warning)."""
        self._saved_dir = None
        self._labels = list(LABELS)
        self.updates = 0
        self.learned = any(any(eg.reference.user_data.get("texts") or ()) for eg in get_examples())
        if not self.learned:
            warnings.warn(f"{self.name}: the training data has no raw text (no CoNLL-U `# text` lines); "
                          "the rule-based tokenizer makes the Docs", stacklevel=2)
        self.build()

    # --- features of a batch of texts ------------------------------------------------------
    def _windows(self, pieces: Sequence[Pieces]) -> list[tuple[int, int, int, int, int]]:
        """(text, first, last + 1, keep from, keep to) piece windows: each text cut into `window`
        pieces, read with `context` pieces either side."""
        size, context = self.cfg["window"], self.cfg["context"]
        out = []
        for k, p in enumerate(pieces):
            n = len(p)
            for a in range(0, n, size):
                b = min(n, a + size)
                out.append((k, max(0, a - context), min(n, b + context), a, b))
        return out

    def _tensors(self, rows: Sequence[np.ndarray], spaces: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Pad a group of piece sequences into (batch, length, n_features, n_seeds) rows and
        (batch, length) whitespace classes (padding reads as the end of a text)."""
        length = max(len(s) for s in spaces)
        features = self.spec.features
        batch_rows = np.zeros((len(rows), length, len(features.attrs), features.n_seeds), dtype=np.int64)
        batch_spaces = np.full((len(rows), length), SPACE_END, dtype=np.int64)
        for k, (r, s) in enumerate(zip(rows, spaces)):
            batch_rows[k, : len(s)] = r
            batch_spaces[k, : len(s)] = s
        device = self.nlp.device
        return torch.from_numpy(batch_rows).to(device), torch.from_numpy(batch_spaces).to(device)

    def _context(self, pieces: Pieces) -> np.ndarray:
        """Each piece's whitespace class, and whether the rule-based tokenizer ends a token
        after it (`tokenizer_feature`): URLs, e-mail addresses, numbers and abbreviations come
        whole from its rules, which the model learns when to follow."""
        if not self.spec.tokenizer_feature or not len(pieces):
            return pieces.after
        tokenizer = self.nlp.tokenizer
        if hasattr(tokenizer, "split"):
            words, spaces = tokenizer.split(pieces.text)
        else:
            doc = tokenizer(pieces.text)
            words, spaces = doc.words, doc.spaces
        steps = np.fromiter((len(w) + s for w, s in zip(words, spaces)), dtype=np.int64, count=len(words))
        ends = np.cumsum(steps) - np.asarray(spaces, dtype=np.int64)
        return pieces.after + N_SPACE_CLASSES * np.isin(pieces.ends, ends)

    def piece_probs(self, texts: Sequence[str]) -> tuple[list[Pieces], list[np.ndarray]]:
        """The pieces of each text and their label probabilities, in batches of similar-length windows;
        each window is read as if alone (packed), so a text's segments do not depend on its batch."""
        pieces = [Pieces(t) for t in texts]
        rows = [self.spec.features(p) for p in pieces]
        contexts = [self._context(p) for p in pieces]
        probs = [np.zeros((len(p), len(LABELS)), dtype=np.float32) for p in pieces]
        windows = self._windows(pieces)
        order = sorted(range(len(windows)), key=lambda w: windows[w][2] - windows[w][1])
        step = self.cfg["batch_size"]
        self.model.eval()
        with torch.no_grad():
            for g in range(0, len(order), step):
                group = [windows[w] for w in order[g : g + step]]
                batch = self._tensors([rows[k][s:e] for k, s, e, _, _ in group], [contexts[k][s:e] for k, s, e, _, _ in group])
                lengths = torch.tensor([e - s for _, s, e, _, _ in group])
                out = torch.softmax(self.model(*batch, lengths).float(), dim=-1).cpu().numpy()
                for r, (k, s, _, a, b) in enumerate(group):
                    probs[k][a:b] = out[r, a - s : b - s]
        return pieces, probs

    # --- making Docs -------------------------------------------------------------------------
    def make_docs(self, texts: Sequence[str], docs: list[Doc] | None = None) -> list[Doc]:
        """The Docs of `texts`, tokenized and split into sentences (`docs` is ignored: the
        segmenter reads the texts)."""
        if not self.learned:
            return [self.nlp.tokenizer(t) for t in texts]
        pieces, probs = self.piece_probs(texts)
        threshold = self.cfg["sent_threshold"]
        return [doc_from_segments(self.nlp.vocab, t, segment(p, pr, threshold)) for t, p, pr in zip(texts, pieces, probs)]

    # --- training ------------------------------------------------------------------------------
    def forward(self, batch):
        return None  # the segmenter reads the references' text, not the batch's tokens: see get_loss

    def get_loss(self, examples: Sequence[Example], batch, output) -> torch.Tensor | None:
        """The loss on the raw text of the examples' references; None once `max_updates` updates
        are done (0: never), so that the segmenter, which learns in minutes, takes a small share
        of a time-limited training run."""
        if not self.learned or (self.cfg["max_updates"] and self.updates >= self.cfg["max_updates"]):
            return None
        rows, spaces, gold = [], [], []
        for text, char_labels in self._training_texts(examples):
            pieces = Pieces(text)
            if not len(pieces):
                continue
            rows.append(self.spec.features(pieces))
            spaces.append(self._context(pieces))
            gold.append(char_labels[pieces.ends - 1])
        if not rows:
            return None
        if self.model.training:
            self.updates += 1
        logits = self.model(*self._tensors(rows, spaces))
        targets = np.full(logits.shape[:2], -1, dtype=np.int64)
        for k, g in enumerate(gold):
            targets[k, : len(g)] = g
        return F.cross_entropy(logits.reshape(-1, len(LABELS)), torch.from_numpy(targets).to(logits.device).reshape(-1), ignore_index=-1)

    def _training_texts(self, examples: Sequence[Example]) -> list[tuple[str, np.ndarray]]:
        """The references' raw texts and character labels, as paragraphs (texts of about `window`
        pieces at most, five characters a piece), the units raw text is read in.

        A paragraph ends where the next sentence starts one (`user_data["paragraph_starts"]`,
        CoNLL-U's `# newpar` and `# newdoc`): its end is a sentence end the segmenter need not
        find, since the end of a text always is one. Where the treebank marks no paragraphs,
        the references are joined by a space (none where the reader found none after the last
        sentence: `Doc.space_after`): short Docs alone would end most of their sentences at the
        end of a text, and the segmenter has to find them inside one."""
        limit = 5 * self.cfg["window"]
        out: list[tuple[list[str], list[np.ndarray]]] = []
        size = 0
        spaced = True  # whether whitespace follows the previous reference
        for eg in examples:
            doc = eg.reference
            for k, ((text, labels), new_paragraph) in enumerate(zip(sentence_texts(doc), paragraph_starts(doc))):
                if out and not new_paragraph and size + len(text) < limit:
                    if k == 0 and spaced and out[-1][0][-1][-1:] != " ":  # another reference: joined by a space
                        out[-1][0].append(" ")
                        out[-1][1].append(np.zeros(1, dtype=np.int64))
                        size += 1
                    out[-1][0].append(text)
                    out[-1][1].append(labels)
                    size += len(text)
                else:
                    out.append(([text], [labels]))
                    size = len(text)
            spaced = doc.space_after
        texts = [("".join(texts), np.concatenate(labels)) for texts, labels in out]
        return [(text, labels) for text, labels in texts if text.strip()]

    # --- judging -----------------------------------------------------------------------------
    def score(self, examples: Sequence[Example]) -> dict[str, float]:
        """Tokens, sentences and multi-word tokens found in the raw text of each reference's
        paragraphs, read one paragraph at a time as `lexloom.raw_text` reads a treebank, as
        precision / recall / F1 of their character spans (the CoNLL 2018 definitions of
        tokens and sentences): `segmenter_token_f`, `segmenter_sent_f`, `segmenter_mwt_f`
        (and `_p`, `_r`). The examples' predicted Docs do not matter: they were not made
        from text."""
        if not self.learned:
            return {}
        texts, gold = [], []
        for eg in examples:
            for text, labels in paragraph_texts(eg.reference):
                if text.strip():
                    texts.append(text)
                    gold.append(_spans(text, labels))
        found = [_spans_of_segments(segment(p, pr, self.cfg["sent_threshold"])) for p, pr in zip(*self.piece_probs(texts))]
        scores = {}
        for k, key in enumerate(("token", "sent", "mwt")):
            n_gold = sum(len(g[k]) for g in gold)
            n_found = sum(len(f[k]) for f in found)
            correct = sum(len(g[k] & f[k]) for g, f in zip(gold, found))
            p = correct / n_found if n_found else 0.0
            r = correct / n_gold if n_gold else 0.0
            scores.update({f"segmenter_{key}_p": p, f"segmenter_{key}_r": r, f"segmenter_{key}_f": 2 * p * r / (p + r) if p + r else 0.0})
        return scores

    def check_gold(self, doc: Doc) -> Iterable[DataProblem]:
        """Sentences whose `# text` (CoNLL-U, kept in `user_data["texts"]`) differs, whitespace
        runs aside, from what their words and SpaceAfter marks spell: the segmenter learns the
        latter, while raw-text evaluation reads the former."""
        texts = doc.user_data.get("texts")
        sents = list(doc.sents)
        if not isinstance(texts, list) or len(texts) != len(sents):
            return
        spelled = doc.text
        starts, ends = doc._char_spans()
        for sent, text in zip(sents, texts):
            if not text:
                continue
            own = spelled[int(starts[sent.start]) : int(ends[sent.end - 1])]
            if own.split() != text.split():
                yield DataProblem("text_not_spelled", sent.start, sent.end, {"text": text})

    def save_extra(self, path: Path) -> None:
        atomic_write_text(path / "segmenter.json", json.dumps({"learned": self.learned}))

    def load_extra(self, path: Path) -> None:
        self.learned = bool(json.loads((path / "segmenter.json").read_text(encoding="utf8"))["learned"])


def _spans(text: str, labels: np.ndarray) -> tuple[set, set, set]:
    """Gold (tokens, sentences, multi-word tokens) as character spans, from character labels."""
    tokens, sents, mwts = set(), set(), set()
    start = None
    sent_start = None
    for i, char in enumerate(text):
        if char.isspace():
            continue
        if start is None:
            start = i
        if sent_start is None:
            sent_start = i
        if labels[i] > INSIDE:
            tokens.add((start, i + 1))
            if labels[i] in (MWT_END, MWT_SENT_END):
                mwts.add((start, i + 1))
            if labels[i] in (SENT_END, MWT_SENT_END):
                sents.add((sent_start, i + 1))
                sent_start = None
            start = None
    return tokens, sents, mwts


def _spans_of_segments(segments) -> tuple[set, set, set]:
    tokens, sents, mwts = set(), set(), set()
    sent_start = None
    for start, end, ends_sentence, is_mwt in segments:
        tokens.add((start, end))
        if is_mwt:
            mwts.add((start, end))
        if sent_start is None:
            sent_start = start
        if ends_sentence:
            sents.add((sent_start, end))
            sent_start = None
    return tokens, sents, mwts


@registry.architectures("lexloom.Segmenter.v1")
def segmenter_model(
    attrs: list[str] = ["LOWER", "PREFIX3", "SUFFIX", "SUFFIX2", "SHAPE", "CHUNK_LOWER", "CHUNK_SHAPE"],  # noqa: B006 (copied)
    rows: list[int] = [20000, 5000, 5000, 2000, 1000, 20000, 5000],  # noqa: B006
    n_seeds: int = 2,
    hidden: int = 64,
    depth: int = 1,
    dropout: float = 0.1,
    feature_dropout: float = 0.0,
    tokenizer_feature: bool = True,
) -> SegmenterSpec:
    """Hashed embeddings of each piece's features and of the whitespace after it, then a
    `depth`-layer bidirectional LSTM of `hidden` units per direction."""
    features = PieceFeatures(list(attrs), list(rows), n_seeds)

    def build() -> SegmenterModel:
        n_contexts = N_SPACE_CLASSES * (2 if tokenizer_feature else 1)
        return SegmenterModel(list(rows), n_contexts, len(LABELS), hidden=hidden, depth=depth, dropout=dropout,
                              feature_dropout=feature_dropout)

    return SegmenterSpec(features, build, tokenizer_feature)


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Segmenter.v1"}, "sent_threshold": 0.5, "max_updates": 0}


# Its scores are reported, not part of the combined training score (weight None): it stops
# learning after `max_updates`, and model-best is chosen by what the rest of the pipeline does
# with its Docs.
@factory(
    "segmenter", DEFAULT_CONFIG, assigns=["token.orth", "token.is_sent_start"],
    default_score_weights={"segmenter_token_f": None, "segmenter_sent_f": None, "segmenter_mwt_f": None},
)
def make_segmenter(nlp, name: str, model: SegmenterSpec, sent_threshold: float = 0.5, max_updates: int = 0,
                   window: int = 200, context: int = 20, batch_size: int = 16) -> Segmenter:
    """`sent_threshold`: a token ends a sentence where the sentence labels take more than this
    share of its end probability; `window` / `context`: pieces read at once, and around them;
    `batch_size`: windows per forward pass at inference, taken in order of length (few, so that
    a paragraph of 20 pieces is not padded to the length of one of 200)."""
    return Segmenter(nlp, name, model, sent_threshold=sent_threshold, max_updates=max_updates, window=window,
                     context=context, batch_size=batch_size)
