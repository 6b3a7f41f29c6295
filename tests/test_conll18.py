"""The CoNLL 2018 scorer (`lexloom.scoring.conll18`): hand-made cases whose scores follow from the
shared task's definitions, and the official script (udtools' `udeval`) as an independent check
on real treebank slices retokenized, resegmented and re-annotated at random."""
from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from udtools import udeval

from lexloom.errors import DataError
from lexloom.scoring.conll18 import METRICS, evaluate, flat_scores, read_treebank

DATA = Path(__file__).parent / "data"
EWT_SLICE = DATA / "ud" / "en_ewt-ud-dev-150.conllu"
GSD_SLICE = DATA / "tokenizer" / "es_gsd-ud-test-slice.conllu"


def conllu(tmp_path: Path, name: str, *sentences: str) -> Path:
    """A CoNLL-U file from sentences written as rows `ID FORM UPOS HEAD DEPREL [MISC]`, one per
    line, with LEMMA = the lowercased FORM (`_` on a range line) and every other column `_`."""
    lines = []
    for sentence in sentences:
        for row in sentence.strip().splitlines():
            word_id, form, upos, head, deprel, *misc = row.split(" ")
            if "-" in word_id:
                lines.append("\t".join([word_id, form, "_", "_", "_", "_", "_", "_", "_", misc[0] if misc else "_"]))
            else:
                lines.append("\t".join([word_id, form, form.lower(), upos, "_", "_", head, deprel, "_", misc[0] if misc else "_"]))
        lines.append("")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


def scores(tmp_path: Path, gold: list[str], system: list[str]) -> dict:
    result = evaluate(read_treebank(conllu(tmp_path, "gold.conllu", *gold)), read_treebank(conllu(tmp_path, "system.conllu", *system)))
    return {metric: (s.gold, s.system, s.correct) for metric, s in result.items()}


GOLD_HELLO = """
1 Hello INTJ 2 discourse
2 world NOUN 0 root SpaceAfter=No
3 . PUNCT 2 punct
"""


def test_a_split_token_loses_itself_and_every_attachment_to_it(tmp_path):
    # "world" split into "wor" "ld": 2 of 3 gold tokens found among 4 system tokens
    system = """
1 Hello INTJ 2 discourse
2 wor NOUN 0 root SpaceAfter=No
3 ld NOUN 2 flat SpaceAfter=No
4 . PUNCT 2 punct
"""
    result = scores(tmp_path, [GOLD_HELLO], [system])
    assert result["Tokens"] == result["Words"] == (3, 4, 2)  # P 1/2, R 2/3, F1 4/7
    assert result["UPOS"] == (3, 4, 2)
    # "Hello" and "." attach to "wor", which no gold word aligns to: both wrong
    assert result["UAS"] == result["LAS"] == (3, 4, 0)
    flat = flat_scores(evaluate(read_treebank(tmp_path / "gold.conllu"), read_treebank(tmp_path / "system.conllu")))
    assert flat["raw_tokens_p"] == pytest.approx(1 / 2) and flat["raw_tokens_r"] == pytest.approx(2 / 3)
    assert flat["raw_tokens_f"] == flat["raw_words_f"] == pytest.approx(4 / 7)
    assert flat["raw_las"] == 0.0


def test_merged_tokens(tmp_path):
    gold = """
1 I PRON 3 nsubj
2 can AUX 3 aux SpaceAfter=No
3 not PART 0 root
"""
    system = """
1 I PRON 2 nsubj
2 cannot AUX 0 root
"""
    result = scores(tmp_path, [gold], [system])
    assert result["Tokens"] == result["Words"] == (3, 2, 1)  # F1 2/5
    # "I" is aligned, but its head "cannot" matches no gold word
    assert result["UPOS"] == (3, 2, 1) and result["UAS"] == (3, 2, 0)


GOLD_DEL = """
1 Vive VERB 0 root
2-3 del _ _ _
2 de ADP 4 case
3 el DET 4 det
4 arte NOUN 1 obl SpaceAfter=No
5 . PUNCT 1 punct
"""


@pytest.mark.parametrize(
    "system, tokens, words",
    [
        # the surface token only: 4 of 4 tokens right, but neither "de" nor "el" is found
        ("1 Vive VERB 0 root\n2 del ADP 3 case\n3 arte NOUN 1 obl SpaceAfter=No\n4 . PUNCT 1 punct", (4, 4, 4), (5, 4, 3)),
        # the multi-word token expanded right
        (GOLD_DEL, (4, 4, 4), (5, 5, 5)),
        # expanded wrong ("d" + "el"): the longest common subsequence of the forms aligns "el" only
        ("1 Vive VERB 0 root\n2-3 del _ _ _\n2 d ADP 4 case\n3 el DET 4 det\n4 arte NOUN 1 obl SpaceAfter=No\n5 . PUNCT 1 punct",
         (4, 4, 4), (5, 5, 4)),
        # a system multi-word token where gold has two plain tokens ("arte." as "arte" + ".")
        ("1 Vive VERB 0 root\n2-3 del _ _ _\n2 de ADP 4 case\n3 el DET 4 det\n4-5 arte. _ _ _\n4 arte NOUN 1 obl\n5 . PUNCT 1 punct",
         (4, 3, 2), (5, 5, 5)),
    ],
)
def test_multi_word_tokens_on_either_side(tmp_path, system, tokens, words):
    result = scores(tmp_path, [GOLD_DEL], [system])
    assert result["Tokens"] == tokens
    assert result["Words"] == words


def test_expanded_words_keep_their_heads(tmp_path):
    result = scores(tmp_path, [GOLD_DEL], [GOLD_DEL.replace("3 el DET 4 det", "3 el DET 1 det")])
    assert result["UAS"] == (5, 5, 4)
    # "el" (det) left the content word "arte" for the content word "Vive": both now have other
    # function-word children, which MLAS counts and CLAS does not
    assert result["CLAS"] == (2, 2, 2) and result["MLAS"] == (2, 2, 0)


def test_a_missed_sentence_boundary(tmp_path):
    gold = ["1 Hi INTJ 0 root\n2 there ADV 1 advmod SpaceAfter=No\n3 . PUNCT 1 punct", "1 Bye INTJ 0 root SpaceAfter=No\n2 ! PUNCT 1 punct"]
    system = ["1 Hi INTJ 0 root\n2 there ADV 1 advmod SpaceAfter=No\n3 . PUNCT 1 punct\n4 Bye INTJ 1 parataxis SpaceAfter=No\n5 ! PUNCT 4 punct"]
    result = scores(tmp_path, gold, system)
    assert result["Sentences"] == (2, 1, 0)  # the one system sentence ends where neither gold one does
    assert result["Tokens"] == result["Words"] == (5, 5, 5)
    # the second sentence's root now hangs from the first: one attachment wrong
    assert result["UAS"] == (5, 5, 4)


def test_what_each_metric_ignores_and_counts(tmp_path):
    def write(name, rows):
        path = tmp_path / name
        path.write_text("\n".join("\t".join(row.split()) for row in rows) + "\n\n", encoding="utf8")
        return read_treebank(path)

    gold = write("gold.conllu", [
        "1 the _ DET DT Definite=Def 2 det _ _",  # a gold lemma "_" matches any lemma
        "2 dog dog NOUN NN Number=Sing 3 nsubj _ _",
        "3 barks bark VERB VBZ _ 0 root _ _",
    ])
    system = write("system.conllu", [
        "1 the THE PRON DT Definite=Def|Typo=Yes 2 det _ _",  # Typo is not a universal feature
        "2 dog dog NOUN NN Number=Sing 3 nsubj:pass _ _",  # the relation's subtype is left out
        "3 barks bark VERB VBZ _ 0 root _ _",
    ])
    counts = {metric: (s.gold, s.system, s.correct) for metric, s in evaluate(gold, system).items()}
    assert counts["UPOS"] == (3, 3, 2) and counts["UFeats"] == (3, 3, 3) and counts["Lemmas"] == (3, 3, 3)
    assert counts["AllTags"] == (3, 3, 2) and counts["LAS"] == (3, 3, 3)
    # content words only: "dog" and "barks"; the wrong UPOS of "the" costs "dog" its MLAS
    assert counts["CLAS"] == (2, 2, 2) and counts["MLAS"] == (2, 2, 1) and counts["BLEX"] == (2, 2, 2)


@pytest.mark.parametrize(
    "rows, message",
    [
        ("1 \u00a0 X 0 root", "empty once its spaces are left out"),
        ("1 a X 0 root\n2 b X 0 root", "2 roots"),
        ("1 a X 2 dep\n2 b X 1 dep\n3 c X 0 root", "cycle"),
        ("1 a X 5 dep\n2 b X 0 root", "outside the sentence"),
        ("1 a X 0 root\n3 b X 1 dep", "word ID '3', expected 2"),
    ],
)
def test_what_the_official_script_refuses_is_refused_with_file_and_line(tmp_path, rows, message):
    path = conllu(tmp_path, "bad.conllu", rows)
    with pytest.raises(DataError, match=message) as error:
        read_treebank(path)
    assert str(error.value).startswith(f"{path}:")


def test_texts_that_differ_are_refused(tmp_path):
    with pytest.raises(DataError, match="do not spell the gold text"):
        scores(tmp_path, [GOLD_HELLO], [GOLD_HELLO.replace("world", "word")])


# --- the official script on real data, retokenized at random ---------------------------------
def _read_sentences(path: Path) -> list[list[SimpleNamespace]]:
    """Sentences as tokens (form, space, mwt, words); a word's head is the word itself (None: root)."""
    sentences = []
    for block in path.read_text(encoding="utf8").split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if line and not line.startswith("#")]
        rows = [r for r in rows if "." not in r[0]]
        if not rows:
            continue
        words, tokens, heads = [], [], []
        for r in rows:
            space = "SpaceAfter=No" not in r[9]
            if "-" in r[0]:
                tokens.append(SimpleNamespace(form=r[1], space=space, mwt=True, words=[]))
                tokens[-1].end = int(r[0].split("-")[1])
                continue
            word = SimpleNamespace(form=r[1], lemma=r[2], upos=r[3], xpos=r[4], feats=r[5], deprel=r[7], head=None)
            words.append(word)
            heads.append(int(r[6]))
            if tokens and tokens[-1].mwt and len(words) <= tokens[-1].end:
                tokens[-1].words.append(word)
            else:
                tokens.append(SimpleNamespace(form=r[1], space=space, mwt=False, words=[word]))
        for word, head in zip(words, heads):
            word.head = words[head - 1] if head else None
        sentences.append(tokens)
    return sentences


def _words(sentence):
    return [w for t in sentence for w in t.words]


def _redirect(words, old, new):
    for w in words:
        if w.head is old:
            w.head = new


def _is_above(word, other):
    while other is not None:
        other = other.head
        if other is word:
            return True
    return False


def _depth(word):
    depth = 0
    while word.head is not None:
        word, depth = word.head, depth + 1
    return depth


def _descendants(sentence, word):
    below = {id(word)}
    changed = True
    while changed:
        changed = False
        for w in _words(sentence):
            if w.head is not None and id(w.head) in below and id(w) not in below:
                below.add(id(w))
                changed = True
    return below


def _retokenize(sentence, rng):
    out = []
    for i, token in enumerate(sentence):
        live = _words(out) + _words(sentence[i:])  # the words any head may point to now
        r = rng.random()
        word = token.words[0]
        if token.mwt and r < 0.3:  # the surface token only, with its top word's annotation
            top = min(token.words, key=_depth)  # the word nearest the root: its head is above them all
            merged = SimpleNamespace(**{**vars(top), "form": token.form})
            for w in token.words:
                _redirect(live, w, merged)
            out.append(SimpleNamespace(form=token.form, space=token.space, mwt=False, words=[merged]))
        elif not token.mwt and r < 0.08 and len(token.form) > 1:  # split
            k = rng.randrange(1, len(token.form))
            second = SimpleNamespace(**{**vars(word), "form": token.form[k:], "deprel": "flat", "head": word})
            word.form = token.form[:k]
            out += [SimpleNamespace(form=word.form, space=False, mwt=False, words=[word]),
                    SimpleNamespace(form=second.form, space=token.space, mwt=False, words=[second])]
        elif not token.mwt and r < 0.16 and len(token.form) > 2:  # a multi-word token of the system's own
            k = rng.randrange(1, len(token.form))
            second = SimpleNamespace(**{**vars(word), "form": rng.choice([token.form[k:], "el"]), "deprel": "case", "upos": "ADP", "head": word})
            word.form = token.form[:k] if rng.random() < 0.7 else token.form
            out.append(SimpleNamespace(form=token.form, space=token.space, mwt=True, words=[word, second]))
        elif not token.mwt and r < 0.24 and out and not out[-1].space and not out[-1].mwt and len(out[-1].words) == 1:
            previous = out[-1].words[0]  # merge with the token before; it takes the higher head
            if _is_above(word, previous):
                previous.head = word.head
            _redirect(live, word, previous)
            previous.form += word.form
            out[-1] = SimpleNamespace(form=out[-1].form + token.form, space=token.space, mwt=False, words=[previous])
        else:
            out.append(token)
    return out


def _reroot(part):
    words = _words(part)
    inside = {id(w) for w in words}
    loose = [w for w in words if w.head is None or id(w.head) not in inside]
    root = next((w for w in loose if w.head is None), loose[0])
    for w in loose:
        w.head = None if w is root else root
    root.deprel = "root"


def _corrupt(sentences, rng, values):
    sentences = [_retokenize(s, rng) for s in sentences]
    resegmented = []
    for sentence in sentences:
        if resegmented and rng.random() < 0.15:  # missed boundary
            previous = resegmented[-1]
            root = next(w for w in _words(sentence) if w.head is None)
            root.head, root.deprel = next(w for w in _words(previous) if w.head is None), "parataxis"
            resegmented[-1] = previous + sentence
        elif len(sentence) > 3 and rng.random() < 0.15:  # a boundary too many
            k = rng.randrange(1, len(sentence))
            for part in (sentence[:k], sentence[k:]):
                _reroot(part)
                resegmented.append(part)
        else:
            resegmented.append(sentence)
    for sentence in resegmented:
        words = _words(sentence)
        for word in words:
            for attr in ("upos", "xpos", "feats", "lemma", "deprel"):
                if rng.random() < 0.1:
                    setattr(word, attr, rng.choice(values[attr]))
            if word.head is not None and rng.random() < 0.1:
                below = _descendants(sentence, word)
                word.head = rng.choice([w for w in words if id(w) not in below])
    return resegmented


def _write(sentences, path):
    lines = []
    for sentence in sentences:
        words = _words(sentence)
        ids = {id(w): n for n, w in enumerate(words, 1)}
        for token in sentence:
            misc = "_" if token.space else "SpaceAfter=No"
            first = ids[id(token.words[0])]
            if token.mwt:
                lines.append(f"{first}-{first + len(token.words) - 1}\t{token.form}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
            for w in token.words:
                head = 0 if w.head is None else ids[id(w.head)]
                lines.append("\t".join([str(ids[id(w)]), w.form, w.lemma, w.upos, w.xpos, w.feats, str(head), w.deprel, "_",
                                        "_" if token.mwt else misc]))
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf8")


@pytest.mark.parametrize("gold_path", [EWT_SLICE, GSD_SLICE], ids=["en_ewt", "es_gsd"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_agree_with_the_official_script(tmp_path, gold_path, seed):
    rng = random.Random(seed)
    sentences = _read_sentences(gold_path)
    values = {attr: sorted({getattr(w, attr) for s in sentences for w in _words(s)}) for attr in ("upos", "xpos", "feats", "lemma", "deprel")}
    system_path = tmp_path / "system.conllu"
    _write(_corrupt(sentences, rng, values), system_path)
    official = udeval.evaluate(udeval.load_conllu_file(str(gold_path)), udeval.load_conllu_file(str(system_path)))
    ours = evaluate(read_treebank(gold_path), read_treebank(system_path))
    for metric in METRICS:
        theirs = official[metric]
        assert (ours[metric].gold, ours[metric].system, ours[metric].correct) == (theirs.gold_total, theirs.system_total, theirs.correct), metric
    # the corruption reached every kind of score, or this test proves little
    assert max(ours[m].f1 for m in ("Tokens", "Sentences", "Words", "LAS")) < 0.97
    assert min(ours[m].correct for m in METRICS) > 0
