"""Scoring: hand-built Docs with known answers, and agreement with the CoNLL 2018 evaluator."""
from __future__ import annotations

import json
import random
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner
from udtools import udeval

import lexloom
from lexloom.cli import app
from lexloom.apply import input_docs
from lexloom.cli.evaluate import per_type_tables
from lexloom.convert import output_format, read_docs
from lexloom.convert.conllu import read_conllu
from lexloom.evaluate import predicted_doc, write_scores
from lexloom.errors import DataError
from lexloom.render import arc_levels, render_html
from lexloom.scoring import (
    Scorer,
    roc_auc,
    score,
    score_cats,
    score_deps,
    score_sents,
    score_spans,
    score_token_attr,
    score_tokenization,
)
from lexloom.tokens import Doc, Example, Vocab, read_docbin

from conftest import SMALL_TOK2VEC  # noqa: E402

DATA = Path(__file__).parent / "data" / "scoring"
EWT_SLICE = DATA / "en_ewt-ud-dev-150.conllu"


def make_doc(vocab: Vocab, text: str, **annotations) -> Doc:
    """A Doc from space-separated words; '_' joins a word to the next without a space."""
    words, spaces = [], []
    for chunk in text.split():
        parts = chunk.split("_")
        words.extend(parts)
        spaces.extend([False] * (len(parts) - 1) + [True])
    spaces[-1] = False
    return Doc(vocab, words=words, spaces=spaces, **annotations)


# --- tokenization --------------------------------------------------------------------


def test_tokenization_counts_spans_by_nonspace_characters():
    vocab = Vocab()
    reference = make_doc(vocab, "New York is big_.")  # New York is big .
    predicted = make_doc(vocab, "New York is big.")  # "big." is one token
    scores = score_tokenization([Example(predicted, reference)])
    assert scores["token_p"] == pytest.approx(3 / 4)
    assert scores["token_r"] == pytest.approx(3 / 5)
    assert scores["token_f"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert scores["token_acc"] == pytest.approx(3 / 4)
    assert scores["token_unaligned"] == 2


def test_tokenization_ignores_whitespace_differences():
    vocab = Vocab()
    reference = Doc(vocab, words=["a", "b"], spaces=[True, False])
    predicted = Doc(vocab, words=["a", "b"], spaces=[False, False])
    scores = score_tokenization([Example(predicted, reference)])
    assert scores["token_f"] == 1.0 and scores["token_acc"] == 1.0


# --- token attributes ---------------------------------------------------------------


def test_token_attr_skips_unset_reference_values_and_unaligned_tokens():
    vocab = Vocab()
    reference = make_doc(vocab, "I like big_.", tags=["PRP", "VBP", "", "."])
    predicted = make_doc(vocab, "I like big.", tags=["PRP", "NN", "JJ"])
    # "big" has no reference tag and "big." aligns to no single reference token:
    # only I (right) and like (wrong) are scored.
    assert score_token_attr([Example(predicted, reference)], "tag") == {"tag_acc": 0.5}


def test_token_attr_compares_strings_across_vocabs():
    reference = make_doc(Vocab(), "a b c", pos=["DET", "NOUN", "VERB"], lemmas=["a", "b", "c"])
    predicted = make_doc(Vocab(), "a b c", pos=["NOUN", "NOUN", "VERB"], lemmas=["a", "x", "c"])
    eg = Example(predicted, reference)
    assert score_token_attr([eg], "pos")["pos_acc"] == pytest.approx(2 / 3)
    assert score_token_attr([eg], "lemma")["lemma_acc"] == pytest.approx(2 / 3)


def test_morph_accuracy_and_per_feature_scores():
    vocab = Vocab()
    reference = make_doc(vocab, "she runs fast", morphs=["Case=Nom|Number=Sing", "Number=Sing|Tense=Pres", "_"])
    predicted = make_doc(vocab, "she runs fast", morphs=["Number=Sing|Case=Nom", "Number=Plur", ""])
    scores = score_token_attr([Example(predicted, reference)], "morph")
    # order of features and '_' vs '' do not matter; "runs" is wrong
    assert scores["morph_acc"] == pytest.approx(2 / 3)
    per_feat = scores["morph_per_feat"]
    assert per_feat["Case"] == {"p": 1.0, "r": 1.0, "f": 1.0}
    assert per_feat["Number"]["p"] == pytest.approx(1 / 2) and per_feat["Number"]["r"] == pytest.approx(1 / 2)
    assert per_feat["Tense"] == {"p": 0.0, "r": 0.0, "f": 0.0}


def test_morph_needs_feats_somewhere_in_the_reference():
    vocab = Vocab()
    bare = Example(make_doc(vocab, "a b", morphs=["X=Y", ""]), make_doc(vocab, "a b"))
    assert score_token_attr([bare], "morph") == {"morph_acc": None, "morph_per_feat": None}
    # once the reference corpus has FEATS, a Doc without any is "no features" on every token
    annotated = Example(make_doc(vocab, "c", morphs=["X=Y"]), make_doc(vocab, "c", morphs=["X=Y"]))
    assert score_token_attr([bare, annotated], "morph")["morph_acc"] == pytest.approx(2 / 3)


def test_token_attr_rejects_unknown_attribute():
    with pytest.raises(ValueError, match="not 'dep'"):
        score_token_attr([], "dep")


# --- dependencies -------------------------------------------------------------------


def test_deps_universal_las_full_las_and_per_type():
    vocab = Vocab()
    #           0     1     2      3
    reference = make_doc(vocab, "the dog 's bone", heads=[1, 3, 1, 3], deps=["det", "nmod:poss", "case", "root"])
    predicted = make_doc(vocab, "the dog 's bone", heads=[1, 3, 3, 3], deps=["det", "nmod", "case", "root"])
    scores = score_deps([Example(predicted, reference)])
    assert scores["dep_uas"] == pytest.approx(3 / 4)  # "'s" has the wrong head
    assert scores["dep_las"] == pytest.approx(3 / 4)  # nmod == nmod:poss in its universal part
    assert scores["dep_las_full"] == pytest.approx(2 / 4)
    per_type = scores["dep_las_per_type"]
    assert per_type["nmod:poss"] == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert per_type["nmod"]["p"] == 0.0
    assert per_type["root"] == {"p": 1.0, "r": 1.0, "f": 1.0}


def test_deps_follow_heads_through_a_different_tokenization():
    vocab = Vocab()
    reference = make_doc(vocab, "I saw it_.", heads=[1, 1, 1, 1], deps=["nsubj", "root", "obj", "punct"])
    predicted = make_doc(vocab, "I saw it.", heads=[1, 1, 1], deps=["nsubj", "root", "obj"])
    scores = score_deps([Example(predicted, reference)])
    # "it." aligns with nothing one-to-one: "it" and "." are left out; I and saw are right
    assert scores["dep_uas"] == 1.0 and scores["dep_las"] == 1.0


def test_deps_skip_reference_tokens_without_head():
    vocab = Vocab()
    reference = make_doc(vocab, "a b", heads=[1, None], deps=["dep", ""])
    predicted = make_doc(vocab, "a b", heads=[0, 1], deps=["root", "root"])
    assert score_deps([Example(predicted, reference)])["dep_uas"] == 0.0
    assert score_deps([Example(make_doc(vocab, "a b"), make_doc(vocab, "a b"))])["dep_las"] is None


# --- spans ----------------------------------------------------------------------------


def test_sents_by_character_offsets():
    vocab = Vocab()
    reference = make_doc(vocab, "Hi_. Go home_. Now_.", sent_starts=[1, 0, 1, 0, 0, 1, 0])
    predicted = make_doc(vocab, "Hi_. Go home_. Now_.", sent_starts=[1, 0, 1, 0, 0, 0, 0])
    scores = score_sents([Example(predicted, reference)])
    assert scores["sents_p"] == pytest.approx(1 / 2)
    assert scores["sents_r"] == pytest.approx(1 / 3)


def test_ents_with_labels_partial_annotation_and_other_tokenization():
    vocab = Vocab()
    reference = make_doc(
        vocab, "Ann met Bob in New York today", ents=["U-PER", "O", "U-PER", "O", "B-LOC", "L-LOC", "-"]
    )
    predicted = make_doc(
        vocab, "Ann met Bob in New York today", ents=["U-PER", "O", "U-ORG", "O", "B-LOC", "L-LOC", "U-DATE"]
    )
    scores = score_spans([Example(predicted, reference)])
    # DATE covers an unannotated token and is not counted; Bob has the wrong label
    assert scores["ents_p"] == pytest.approx(2 / 3)
    assert scores["ents_r"] == pytest.approx(2 / 3)
    assert set(scores["ents_per_type"]) == {"LOC", "ORG", "PER"}
    assert scores["ents_per_type"]["PER"] == {"p": 1.0, "r": 0.5, "f": pytest.approx(2 / 3)}

    retokenized = Doc(
        vocab, words=["Ann", "met", "Bob", "in", "New York", "today"], ents=["U-PER", "O", "U-PER", "O", "U-LOC", "O"]
    )
    assert score_spans([Example(retokenized, reference)])["ents_f"] == 1.0


def test_ents_restricted_to_some_labels():
    vocab = Vocab()
    reference = make_doc(vocab, "Ann met Bob in New York", ents=["U-PER", "O", "U-PER", "O", "B-LOC", "L-LOC"])
    predicted = make_doc(vocab, "Ann met Bob in New York", ents=["U-PER", "O", "U-GADGET", "O", "B-LOC", "L-LOC"])
    assert score_spans([Example(predicted, reference)])["ents_p"] == pytest.approx(2 / 3)
    # Bob's GADGET is no PER prediction: PER recall 1/2, and GADGET counts nowhere
    scores = score_spans([Example(predicted, reference)], labels=["PER", "LOC"])
    assert (scores["ents_p"], scores["ents_r"]) == (1.0, pytest.approx(2 / 3))
    assert set(scores["ents_per_type"]) == {"PER", "LOC"}
    assert score_spans([Example(predicted, reference)], labels=["LOC"])["ents_f"] == 1.0


def test_ents_skip_reference_docs_without_entity_annotation():
    vocab = Vocab()
    predicted = make_doc(vocab, "Ann met Bob", ents=["U-PER", "O", "O"])
    assert score_spans([Example(predicted, make_doc(vocab, "Ann met Bob"))])["ents_f"] is None


# --- cats -----------------------------------------------------------------------------


def _cats_example(vocab: Vocab, predicted: dict, reference: dict) -> Example:
    return Example(make_doc(vocab, "some text", cats=predicted), make_doc(vocab, "some text", cats=reference))


def test_cats_exclusive_uses_argmax():
    vocab = Vocab()
    examples = [
        _cats_example(vocab, {"A": 0.6, "B": 0.4}, {"A": 1.0, "B": 0.0}),
        _cats_example(vocab, {"A": 0.3, "B": 0.7}, {"A": 1.0, "B": 0.0}),
        _cats_example(vocab, {"A": 0.2, "B": 0.8}, {"A": 0.0, "B": 1.0}),
        _cats_example(vocab, {"A": 0.9}, {}),  # no reference cats: skipped
    ]
    scores = score_cats(examples, ["A", "B"], multi_label=False)
    assert scores["cats_f_per_type"]["A"] == {"p": 1.0, "r": 0.5, "f": pytest.approx(2 / 3)}
    assert scores["cats_f_per_type"]["B"] == {"p": 0.5, "r": 1.0, "f": pytest.approx(2 / 3)}
    assert scores["cats_micro_f"] == pytest.approx(2 / 3)
    assert scores["cats_score"] == scores["cats_macro_f"] == pytest.approx(2 / 3)
    assert scores["cats_score_desc"] == "macro F"
    # A's scores 0.6, 0.3 for positives and 0.2 for the negative: every pair ranked right
    assert scores["cats_auc_per_type"]["A"] == 1.0


def test_cats_multilabel_threshold_and_single_class_auc():
    vocab = Vocab()
    examples = [
        _cats_example(vocab, {"A": 0.5, "B": 0.9}, {"A": 1.0, "B": 1.0}),
        _cats_example(vocab, {"A": 0.4, "B": 0.2}, {"A": 0.0, "B": 1.0}),
        _cats_example(vocab, {"A": 0.7, "B": 0.1}, {"A": 0.0}),  # B missing: left out for B
    ]
    scores = score_cats(examples, ["A", "B"], multi_label=True, threshold=0.5)
    assert scores["cats_f_per_type"]["A"] == {"p": 0.5, "r": 1.0, "f": pytest.approx(2 / 3)}
    assert scores["cats_f_per_type"]["B"] == {"p": 1.0, "r": 0.5, "f": pytest.approx(2 / 3)}
    # B is positive in every Doc that has it: its AUC is undefined and left out of the mean
    assert scores["cats_auc_per_type"]["B"] is None
    assert scores["cats_auc_per_type"]["A"] == 0.5
    assert scores["cats_macro_auc"] == 0.5


def test_roc_auc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=200) / 4  # many ties
    truth = rng.random(200) < 0.3
    pos, neg = scores[truth], scores[~truth]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (
        len(pos) * len(neg)
    )
    assert roc_auc(scores, truth) == pytest.approx(pairwise)
    assert roc_auc([0.1, 0.2], [True, True]) is None


# --- Scorer -----------------------------------------------------------------------------


def test_scorer_keys():
    vocab = Vocab()
    reference = make_doc(vocab, "a b", tags=["X", "Y"], cats={"L": 1.0})
    predicted = make_doc(vocab, "a b", tags=["X", "X"], cats={"L": 0.9})
    scores = Scorer(["tokens", "tag", "cats"]).score([Example(predicted, reference)], seconds=0.5)
    assert scores["tag_acc"] == 0.5 and scores["token_f"] == 1.0 and scores["speed"] == 4.0
    assert scores["cats_f_per_type"] == {"L": {"p": 1.0, "r": 1.0, "f": 1.0}}
    assert "dep_las" not in scores and "ents_f" not in scores
    with pytest.raises(ValueError, match="unknown scoring task"):
        Scorer(["parse"])


def test_pipeline_scorer_asks_each_component_for_its_scores():
    nlp = lexloom.blank("en")
    for factory in ("tok2vec", "morphologizer", "parser", "ner"):
        nlp.add_pipe(factory)
    reference = make_doc(nlp.vocab, "a b", pos=["X", "Y"], heads=[1, 1], deps=["x", "root"], ents=["U-A", "O"], tags=["T", "T"])
    predicted = make_doc(nlp.vocab, "a b", pos=["X", "X"], heads=[1, 1], deps=["x", "root"], ents=["U-A", "O"], tags=["T", "T"])
    scores = Scorer.for_pipeline(nlp).score([Example(predicted, reference)])
    assert scores["pos_acc"] == 0.5 and scores["dep_las"] == 1.0 and scores["ents_f"] == 1.0 and scores["sents_f"] == 1.0
    assert "tag_acc" not in scores and "lemma_acc" not in scores and "cats_score" not in scores
    with nlp.select_pipes(disable=["parser"]):
        assert "dep_las" not in Scorer.for_pipeline(nlp).score([Example(predicted, reference)])


def test_several_text_classifiers_are_each_scored_on_their_own_labels():
    from lexloom.training.loop import score_weights

    nlp = lexloom.blank("en")
    sentiment = nlp.add_pipe("textcat", name="sentiment")
    topics = nlp.add_pipe("textcat_multilabel", name="topics", config={"threshold": 0.7})
    for label in ("POS", "NEG"):
        sentiment.add_label(label)
    for label in ("SPORT", "FOOD"):
        topics.add_label(label)
    gold = [{"POS": 1.0, "NEG": 0.0, "SPORT": 1.0, "FOOD": 0.0}, {"POS": 0.0, "NEG": 1.0, "SPORT": 1.0, "FOOD": 1.0}]
    guess = [{"POS": 0.8, "NEG": 0.2, "SPORT": 0.6, "FOOD": 0.1}, {"POS": 0.6, "NEG": 0.4, "SPORT": 0.9, "FOOD": 0.8}]
    examples = [Example(make_doc(nlp.vocab, "a b", cats=p), make_doc(nlp.vocab, "a b", cats=g)) for p, g in zip(guess, gold)]
    scores = Scorer.for_pipeline(nlp).score(examples)
    by_component = {name: {k[len(name) + 1 :]: v for k, v in scores.items() if k.startswith(name + "_")} for name in ("sentiment", "topics")}
    assert by_component["sentiment"] == score_cats(examples, ["POS", "NEG"], multi_label=False)
    assert by_component["topics"] == score_cats(examples, ["SPORT", "FOOD"], multi_label=True, threshold=0.7)
    assert by_component["sentiment"]["cats_score"] != by_component["topics"]["cats_score"]
    assert "cats_score" not in scores
    assert score_weights(nlp, None) == {"sentiment_cats_score": 0.5, "topics_cats_score": 0.5}
    # alone in its pipeline, a text classifier keeps spaCy's keys
    nlp.remove_pipe("topics")
    assert Scorer.for_pipeline(nlp).score(examples)["cats_score"] == by_component["sentiment"]["cats_score"]


def test_scoring_leaves_docs_unchanged():
    vocab = Vocab()
    reference = make_doc(vocab, "a b_.", heads=[1, 1, 1], deps=["x", "root", "p"], ents=["U-A", "O", "O"])
    predicted = make_doc(vocab, "a b.", heads=[1, 1], deps=["x", "root"])
    before = (reference.to_array().copy(), predicted.to_array().copy())
    score([Example(predicted, reference)])
    assert (reference.to_array() == before[0]).all() and (predicted.to_array() == before[1]).all()


# --- agreement with the CoNLL 2018 evaluator on real data ---------------------------------


def _read_conllu_sentences(path: Path) -> list[list[list[str]]]:
    """TEST-ONLY CoNLL-U reader: each sentence as its lines' columns, comments dropped.

    Keeps multi-word token ranges and empty nodes so a corrupted copy can be
    written back for udeval; the product's reader is lexloom.convert.conllu.
    """
    sentences, current = [], []
    for line in path.read_text(encoding="utf8").splitlines():
        if not line:
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("#"):
            current.append(line.split("\t"))
    return sentences


def _is_word(columns: list[str]) -> bool:
    return columns[0].isdigit()


def _doc_from_rows(vocab: Vocab, rows: list[list[str]]) -> Doc:
    words = [r for r in rows if _is_word(r)]
    return Doc(
        vocab,
        words=[r[1] for r in words],
        pos=[r[3] for r in words],
        tags=[r[4] for r in words],
        morphs=["" if r[5] == "_" else r[5] for r in words],
        lemmas=[r[2] for r in words],
        heads=[int(r[6]) - 1 if r[6] != "0" else i for i, r in enumerate(words)],
        deps=[r[7] for r in words],
    )


def _corrupt(rows: list[list[str]], rng: random.Random, upos: list[str], deprels: list[str]) -> list[list[str]]:
    """A copy with ~10% of UPOS, heads and relations changed; heads stay a tree with one root."""
    rows = [list(r) for r in rows]
    words = [r for r in rows if _is_word(r)]
    heads = [int(r[6]) for r in words]

    def descendants_of(k: int) -> set[int]:
        found, frontier = {k}, [k]
        while frontier:
            parent = frontier.pop()
            for child, h in enumerate(heads, start=1):
                if h == parent and child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    for k, row in enumerate(words, start=1):
        if rng.random() < 0.1:
            row[3] = rng.choice([u for u in upos if u != row[3]])
        if rng.random() < 0.1:
            # half the time only the subtype changes, which LAS ignores and full LAS does not
            base = row[7].split(":")[0]
            row[7] = base + ":sub" if rng.random() < 0.5 else rng.choice([d for d in deprels if d != base])
        if rng.random() < 0.1 and heads[k - 1] != 0:
            candidates = [h for h in range(1, len(words) + 1) if h not in descendants_of(k) and h != heads[k - 1]]
            if candidates:
                heads[k - 1] = rng.choice(candidates)
                row[6] = str(heads[k - 1])
    return rows


def _write_rows(path: Path, sentences: list[list[list[str]]]) -> None:
    path.write_text("".join("".join("\t".join(r) + "\n" for r in s) + "\n" for s in sentences), encoding="utf8")


def test_deps_and_pos_agree_with_udeval_on_corrupted_ewt(tmp_path):
    gold_sentences = _read_conllu_sentences(EWT_SLICE)
    assert len(gold_sentences) == 150
    rng = random.Random(7)
    upos = sorted({r[3] for s in gold_sentences for r in s if _is_word(r)})
    deprels = sorted({r[7].split(":")[0] for s in gold_sentences for r in s if _is_word(r)})
    system_sentences = [_corrupt(s, rng, upos, deprels) for s in gold_sentences]
    gold_path, system_path = tmp_path / "gold.conllu", tmp_path / "system.conllu"
    _write_rows(gold_path, gold_sentences)
    _write_rows(system_path, system_sentences)
    official = udeval.evaluate(udeval.load_conllu_file(str(gold_path)), udeval.load_conllu_file(str(system_path)))

    vocab = Vocab()
    examples = [
        Example(_doc_from_rows(vocab, system), _doc_from_rows(vocab, gold))
        for system, gold in zip(system_sentences, gold_sentences)
    ]
    deps = score_deps(examples)
    pos = score_token_attr(examples, "pos")
    # the corruption must be real, or this test proves nothing
    assert 0.8 < official["LAS"].f1 < 0.9 and official["UPOS"].f1 < 0.95
    assert deps["dep_las"] == pytest.approx(official["LAS"].f1, abs=1e-4)
    assert deps["dep_uas"] == pytest.approx(official["UAS"].f1, abs=1e-4)
    assert pos["pos_acc"] == pytest.approx(official["UPOS"].f1, abs=1e-4)
    assert deps["dep_las_full"] < deps["dep_las"]


# --- HTML rendering ---------------------------------------------------------------------------


class _ElementCounter(HTMLParser):
    """Counts start tags by (tag, class) and collects text, failing on unbalanced markup."""

    def __init__(self):
        super().__init__()
        self.counts: dict[tuple[str, str], int] = {}
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        key = (tag, dict(attrs).get("class", ""))
        self.counts[key] = self.counts.get(key, 0) + 1
        if tag not in ("meta", "path", "br"):
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        key = (tag, dict(attrs).get("class", ""))
        self.counts[key] = self.counts.get(key, 0) + 1

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"unbalanced </{tag}> after {self.open[-3:]}"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_render_html_draws_arcs_tags_entities_and_cats(tmp_path):
    vocab = Vocab()
    docs = list(read_conllu(EWT_SLICE, vocab, n_sents=2))[:3]
    first = docs[0]
    first.set_ent_tags(["U-ORG"] + ["O"] * (len(first) - 1))
    first.cats = {"<script>alert(1)</script>": 0.75, "OTHER": 0.25}
    page = render_html(docs + [docs[1]], tmp_path / "out" / "index.html", max_docs=3)
    html = page.read_text(encoding="utf8")
    parser = _ElementCounter()
    parser.feed(html)
    parser.close()
    assert not parser.open[1:]  # everything inside <html> closed
    n_words = sum(len(d) for d in docs)
    n_arcs = sum(1 for d in docs for t in d if t.head.i != t.i)
    assert parser.counts[("path", "arc")] == n_arcs > 0
    assert parser.counts[("text", "upos")] == parser.counts[("text", "xpos")] == n_words
    assert parser.counts[("svg", "deps")] == 6  # one per sentence, max_docs=3
    assert parser.counts[("mark", "ent")] == 1
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "nsubj" in parser.text and "PROPN" in parser.text
    assert [p.name for p in page.parent.iterdir()] == ["index.html"]  # no temporary left behind


def testarc_levels_nest_outer_arcs_above_inner_ones():
    # (0,3) encloses (0,1) and (1,2), which (2,3) does not overlap
    assert arc_levels([(0, 1), (1, 2), (0, 3), (2, 3)]) == [1, 1, 2, 1]
    assert arc_levels([(0, 2), (0, 1), (0, 4)]) == [2, 1, 3]


# --- evaluate and apply: the pieces, and both commands end to end --------------------------------


def test_text_inputs_are_tokenized_by_the_pipeline(tmp_path):
    nlp = lexloom.blank("en")
    texts = tmp_path / "texts.txt"
    texts.write_text("First text.\n\n  \nSecond one.\n", encoding="utf8")
    assert [d.words for d in input_docs(nlp, texts)] == [["First", "text", "."], ["Second", "one", "."]]
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "Hello there.", "cats": {"A": 1.0}}\n\n{"text": "Bye."}\n', encoding="utf8")
    docs = list(input_docs(nlp, good))
    assert [d.text for d in docs] == ["Hello there.", "Bye."] and docs[0].cats == {}  # annotations are dropped
    for content, line, reason in (
        ('{"text": "ok"}\n{"text": "cut\n', 2, "invalid JSON"),
        ('{"text": "ok"}\n\n{"title": "no text"}\n', 3, "missing 'text' field"),
        ('["text"]\n', 1, "expected a JSON object"),
    ):
        bad = tmp_path / "bad.jsonl"
        bad.write_text(content, encoding="utf8")
        with pytest.raises(DataError, match=reason) as error:
            list(input_docs(nlp, bad))
        assert str(error.value).startswith(f"{bad}:{line}: ")


def test_document_inputs_keep_words_and_sentences_but_drop_annotations(tmp_path):
    nlp = lexloom.blank("en")
    docs = list(input_docs(nlp, EWT_SLICE, n_sents=2))
    gold = list(read_conllu(EWT_SLICE, nlp.vocab, n_sents=2))
    assert len(docs) == 75 and docs[0].words == gold[0].words and docs[0].spaces == gold[0].spaces
    assert [s.start for s in docs[0].sents] == [s.start for s in gold[0].sents]
    assert not docs[0].has_annotation("POS") and not docs[0].has_annotation("HEAD")
    assert docs[0].user_data["sent_ids"] == gold[0].user_data["sent_ids"]
    with pytest.raises(DataError, match="unknown output format '.json'"):
        output_format(tmp_path / "x.json")
    assert output_format("-") == "conllu" and output_format(tmp_path / "x.lexloom") == "lexloom"


def test_predicted_doc_uses_gold_words_or_the_pipeline_tokenizer():
    nlp = lexloom.blank("en")
    reference = Doc(nlp.vocab, words=["Do", "n't", "go", "."], spaces=[False, True, False, False], pos=["AUX"] * 4)
    gold_words = predicted_doc(nlp, reference, raw_text=False)
    assert gold_words.words == reference.words and not gold_words.has_annotation("POS")
    raw = predicted_doc(nlp, reference, raw_text=True)
    assert raw.text == reference.text


def test_gold_words_come_with_their_paragraph_starts():
    """The layout raw text has: a paragraph's first word starts a sentence, the rest is open."""
    nlp = lexloom.blank("en")
    references = list(read_conllu(EWT_SLICE, nlp.vocab, n_sents=10))
    paragraphs = newpars = 0
    for reference in references:
        doc = predicted_doc(nlp, reference)
        starts = [s.start for s, new in zip(reference.sents, reference.user_data["paragraph_starts"]) if new and s.start]
        assert np.flatnonzero(doc._sent_start == 1).tolist() == starts and not (doc._sent_start == -1).any()
        paragraphs += len(starts)
        newpars += sum(reference.user_data["paragraph_starts"][1:])
        assert (predicted_doc(nlp, reference, gold_sents=True)._sent_start == reference._sent_start).all()
    assert paragraphs == newpars > 0


def test_write_scores_and_per_type_tables(tmp_path):
    scores = {"tag_acc": 0.5, "ents_per_type": {"PER": {"p": 1.0, "r": 0.5, "f": 2 / 3}}, "cats_auc_per_type": {"A": None}}
    path = write_scores(scores, tmp_path / "metrics.json")
    assert json.loads(path.read_text(encoding="utf8")) == scores
    titles = [t.title for t in per_type_tables(scores)]
    assert titles == ["ents_per_type", "cats_auc_per_type"]


@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory):
    """An untrained tagger + morphologizer pipeline saved to disk (the commands need a real one)."""
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("tagger")
    nlp.add_pipe("morphologizer")
    references = list(read_conllu(EWT_SLICE, nlp.vocab))[:40]
    nlp.initialize(lambda: [Example(predicted_doc(nlp, r, False), r) for r in references])
    return nlp.to_disk(tmp_path_factory.mktemp("models") / "tiny")


def test_evaluate_command_writes_the_pipelines_scores_and_html(tiny_tagger, tmp_path):
    result = CliRunner().invoke(
        app,
        ["evaluate", str(tiny_tagger), str(EWT_SLICE), "--output", str(tmp_path / "m.json"),
         "--html", str(tmp_path / "html"), "--n-sents", "5"],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "m.json").read_text(encoding="utf8"))
    assert {"token_f", "tag_acc", "pos_acc", "morph_acc", "morph_per_feat", "speed"} <= set(scores)
    assert "dep_las" not in scores and "ents_f" not in scores
    assert scores["token_f"] == 1.0 and 0.0 <= scores["tag_acc"] <= 1.0 and scores["speed"] > 0
    assert "tag_acc" in result.output
    # a tagger sets no sentence boundaries: one tree view per paragraph of the first 20
    # documents (gold words come with their paragraph starts, `predicted_doc`)
    documents = list(read_conllu(EWT_SLICE, Vocab(), n_sents=5))[:20]
    paragraphs = sum(1 + sum(d.user_data["paragraph_starts"][1:]) for d in documents)
    assert 20 < paragraphs == (tmp_path / "html" / "index.html").read_text(encoding="utf8").count('class="deps"')


def test_apply_command_annotates_given_tokens_and_texts(tiny_tagger, tmp_path):
    out = tmp_path / "out.conllu"
    result = CliRunner().invoke(app, ["apply", str(tiny_tagger), str(EWT_SLICE), str(out)])
    assert result.exit_code == 0, result.output
    vocab = Vocab()
    annotated, gold = list(read_conllu(out, vocab)), list(read_conllu(EWT_SLICE, vocab))
    assert [d.words for d in annotated] == [d.words for d in gold]
    assert all(d.has_annotation("TAG") and d.has_annotation("POS") for d in annotated)

    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"text": "I like green tea."}\n{"text": "Go home."}\n', encoding="utf8")
    result = CliRunner().invoke(app, ["apply", str(tiny_tagger), str(texts), str(tmp_path / "out.lexloom")])
    assert result.exit_code == 0, result.output
    docs = list(read_docbin(tmp_path / "out.lexloom"))
    assert [d.text for d in docs] == ["I like green tea.", "Go home."] and docs[1].has_annotation("TAG")


@pytest.fixture(scope="module")
def rule_pipeline(tmp_path_factory):
    """Sentences, entities and (untrained) categories: something of every kind to write out."""
    nlp = lexloom.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Apple"}, {"label": "GPE", "pattern": "New York"}])
    textcat = nlp.add_pipe("textcat", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    for label in ("UP", "DOWN"):
        textcat.add_label(label)
    nlp.initialize()
    return nlp.to_disk(tmp_path_factory.mktemp("models") / "rules")


def test_apply_keeps_every_annotation_in_every_format(rule_pipeline, tmp_path):
    texts = ["Apple rose. It fell in New York.", "New York is big."]
    source = tmp_path / "texts.txt"
    source.write_text(texts[0] + "\n\n" + texts[1] + "\n", encoding="utf8")
    nlp = lexloom.load(rule_pipeline)
    expected = list(nlp.pipe(texts))
    assert [len(list(d.sents)) for d in expected] == [2, 1] and all(d.ents and d.cats for d in expected)
    runner = CliRunner()
    for suffix in ("conllu", "jsonl", "lexloom"):
        result = runner.invoke(app, ["apply", str(rule_pipeline), str(source), str(tmp_path / f"out.{suffix}")])
        assert result.exit_code == 0, result.output
    # CoNLL-U: a # newdoc per input text, its categories, entities in MISC; all read back
    conllu = (tmp_path / "out.conllu").read_text(encoding="utf8")
    assert conllu.count("# newdoc id = ") == 2 and "# newdoc id = 2\n# cats = " in conllu and "NE=B-GPE" in conllu
    sentences = list(read_conllu(tmp_path / "out.conllu", nlp.vocab))
    assert [s.text for s in sentences] == [s.text for d in expected for s in d.sents]
    assert [s.cats for s in sentences] == [d.cats for d in expected for _ in d.sents]
    assert [ents for s in sentences for ents in [(e.text, e.label_) for e in s.ents]] == [(e.text, e.label_) for d in expected for e in d.ents]
    # JSONL: spaCy's doc.to_json() per line; .lexloom: the Docs themselves
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf8").splitlines()
    assert [json.loads(line) for line in lines] == [d.to_json() for d in expected]
    assert [d.to_json() for d in read_docs(tmp_path / "out.lexloom", nlp.vocab)] == [d.to_json() for d in expected]
    # - for stdin and stdout
    result = runner.invoke(app, ["apply", str(rule_pipeline), "-", "-", "--output-format", "jsonl"], input=source.read_text())
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == [d.to_json() for d in expected]
    assert "Annotated 2 documents" in result.stderr


def test_spacy_static_scorer_methods_give_lexloom_scores():
    from lexloom.scoring import Scorer, score_cats, score_spans, score_token_attr

    nlp = lexloom.blank("en")
    examples = []
    for text, predicted, gold in [
        ("Anna lives in Rome", [(0, 4, "PER")], [(0, 4, "PER"), (14, 18, "LOC")]),
        ("Bob met Carl", [(0, 3, "PER"), (8, 12, "LOC")], [(0, 3, "PER"), (8, 12, "PER")]),
    ]:
        doc = nlp.make_doc(text)
        doc.ents = [doc.char_span(*span) for span in predicted]
        examples.append(Example.from_dict(doc, {"entities": gold, "tags": ["NN"] * len(doc), "cats": {"A": 1.0, "B": 0.0}}))
    scores = Scorer.score_spans(examples, "ents")
    assert scores == score_spans(examples, "ents")
    assert (scores["ents_p"], scores["ents_r"]) == (2 / 3, 2 / 4)  # PER Anna, PER Bob right; LOC Carl wrong; Rome missed
    assert Scorer.score_token_attr(examples, "TAG") == score_token_attr(examples, "tag") == {"tag_acc": 0.0}
    assert Scorer.score_cats(examples, "cats", multi_label=False) == score_cats(examples, ["A", "B"], False)
    assert Scorer.score_deps(examples, "dep", ignore_labels=("punct",)) == score_deps(examples)
    with pytest.raises(TypeError, match="does not take getter, labeled"):
        Scorer.score_spans(examples, "ents", labeled=False, getter=lambda doc, attr: doc.ents)
    with pytest.raises(TypeError, match="positive_label: cats_score is the macro F"):
        Scorer.score_cats(examples, "cats", positive_label="A")


def test_score_deps_ignores_labels():
    vocab = Vocab("en")
    reference = Doc(vocab, ["Go", "!"], [False, False], heads=[0, 0], deps=["ROOT", "punct"])
    predicted = Doc(vocab, ["Go", "!"], [False, False], heads=[0, 1], deps=["ROOT", "ROOT"])
    examples = [Example(predicted, reference)]
    assert score_deps(examples)["dep_uas"] == 0.5
    assert score_deps(examples, ignore_labels=["punct"])["dep_uas"] == 1.0
