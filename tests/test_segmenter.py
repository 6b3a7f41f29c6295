"""Raw text to syntactic words: the learned segmenter, the multi-word-token expander, and Docs whose
text spells multi-word tokens by their surface form."""
from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.convert import convert
from lexloom.convert.conllu import read_conllu, write_conllu
from lexloom.pipeline.mwt import apply_rule, rule_of
from lexloom.pipeline.segmenter import (
    MWT_END, MWT_SENT_END, SENT_END, SPACE_END, SPACE_NEWLINE, SPACE_NONE, SPACE_ONE, SPACE_OTHER, TOKEN_END,
    Pieces, doc_from_segments, paragraph_texts, raw_text_labels,
)
from lexloom.raw_text import evaluate_raw_text, raw_texts
from lexloom.scoring.conll18 import evaluate, read_treebank
from lexloom.tokens import Doc, Example, Vocab
from lexloom.training.corpus import Corpus
from lexloom.training.optimizer import Optimizer

DATA = Path(__file__).parent / "data"
EWT_SLICE = DATA / "ud" / "en_ewt-ud-dev-150.conllu"
GSD_SLICE = DATA / "tokenizer" / "es_gsd-ud-test-slice.conllu"


def test_pieces_are_runs_of_letters_or_digits_or_one_character():
    pieces = Pieces("Hello, world!  b/c 3.5km\n\nnew 我爱 x\u00a0y")
    assert pieces.strings == ["Hello", ",", "world", "!", "b", "/", "c", "3", ".", "5", "km", "new", "我", "爱", "x", "y"]
    assert pieces.after.tolist() == [
        SPACE_NONE, SPACE_ONE, SPACE_NONE, SPACE_OTHER, SPACE_NONE, SPACE_NONE, SPACE_ONE, SPACE_NONE, SPACE_NONE,
        SPACE_NONE, SPACE_NEWLINE, SPACE_ONE, SPACE_NONE, SPACE_ONE, SPACE_OTHER, SPACE_END,
    ]
    assert pieces.chunks[4:7] == ["b/c"] * 3 and pieces.chunks[12] == "我爱"
    assert [pieces.text[s:e] for s, e in zip(pieces.starts, pieces.ends)] == pieces.strings
    assert len(Pieces("")) == 0 and len(Pieces(" \n ")) == 0


def test_a_gold_doc_spelled_back_into_raw_text_with_a_label_per_character():
    doc = next(read_conllu(GSD_SLICE, Vocab("es"), n_sents=5))
    text, labels = raw_text_labels(doc)
    assert text == " ".join(doc.user_data["texts"])  # multi-word tokens by their surface form
    assert len(labels) == len(text)
    ends = np.flatnonzero(labels).tolist()
    # one label per surface token; sentence ends where the sentences end
    n_tokens = len(doc) - sum(end - start - 1 for start, end, _ in doc.multiword_tokens())
    assert len(ends) == n_tokens
    assert sum(labels[i] in (SENT_END, MWT_SENT_END) for i in ends) == 5 and labels[ends[-1]] in (SENT_END, MWT_SENT_END)
    mwt_forms = sorted(form for _, _, form in doc.multiword_tokens())
    assert mwt_forms and sorted(text[: i + 1].split()[-1].strip(",.") for i in ends if labels[i] in (MWT_END, MWT_SENT_END)) == mwt_forms
    assert all(labels[i] == TOKEN_END or labels[i] != 0 for i in ends)


def test_the_segmenter_learns_from_paragraphs_as_raw_text_gives_them():
    """The conversion keeps where paragraphs start (`# newpar`, `# newdoc`), and the segmenter's
    training texts are the paragraphs, as the raw text of the treebank gives them: a
    paragraph's end is the end of a text, not a sentence end to find inside one."""
    docs = list(read_conllu(EWT_SLICE, Vocab("en"), n_sents=10))
    starts = [flag for doc in docs for flag in doc.user_data["paragraph_starts"]]
    comments = [block.split("# text")[0] for block in EWT_SLICE.read_text(encoding="utf8").split("\n\n") if "# text" in block]
    assert starts == ["# newpar" in c or "# newdoc" in c for c in comments]
    assert 1 < sum(starts) < len(starts)
    nlp = lexloom.blank("en")
    segmenter = nlp.add_pipe("segmenter", config={"window": 100_000})
    texts = segmenter._training_texts([Example(Doc(nlp.vocab, words=d.words, spaces=d.spaces), d) for d in docs])
    assert [text.rstrip() for text, _ in texts] == raw_texts(read_treebank(EWT_SLICE))
    for text, labels in texts:
        assert labels[len(text.rstrip()) - 1] in (SENT_END, MWT_SENT_END)
    # the segmenter's own score reads each reference's paragraphs one at a time, too
    for doc in docs:
        paragraphs = paragraph_texts(doc)
        assert len(paragraphs) == 1 + sum(doc.user_data["paragraph_starts"][1:])
        assert "".join(text for text, _ in paragraphs) == raw_text_labels(doc)[0]
    # a treebank without paragraphs: the Docs are joined by a space, up to `window` pieces
    for doc in docs:
        del doc.user_data["paragraph_starts"]
    joined = segmenter._training_texts([Example(d, d) for d in docs])
    assert len(joined) == 1 and joined[0][0] == " ".join(raw_text_labels(d)[0] for d in docs)


def _space_after_no(path) -> list[tuple[str, bool]]:
    """(ID, has SpaceAfter=No) for each word and range line of a CoNLL-U file."""
    rows = (line.split("\t") for line in Path(path).read_text(encoding="utf8").splitlines() if line[:1].isdigit())
    return [(cols[0], "SpaceAfter=No" in cols[9].split("|")) for cols in rows if "." not in cols[0]]


def test_sentences_run_together_stay_together_from_conversion_to_training_text(tmp_path):
    """Spanish-GSD test has "... de la saga Tekken.Basándose en ...": the sentence's last word has
    SpaceAfter=No, as the raw text has no space there. However the sentences are grouped,
    the conversion keeps it, CoNLL-U written back says it again, and the segmenter learns
    from the text as it is: a sentence end inside a chunk, with no whitespace to point at it."""
    nlp = lexloom.blank("es")
    segmenter = nlp.add_pipe("segmenter", config={"window": 100_000})
    for n_sents in (1, 2, 10):
        docs = list(read_conllu(GSD_SLICE, Vocab("es"), n_sents=n_sents))
        flags = [flag for doc in docs for flag in doc.user_data["space_after"]]
        assert len(flags) == 100 and [k for k, flag in enumerate(flags) if not flag] == [76]
        assert sum("Tekken.Basándose" in doc.text for doc in docs) == (n_sents > 1)
        written = write_conllu(docs, tmp_path / f"{n_sents}.conllu")
        assert _space_after_no(written) == _space_after_no(GSD_SLICE)
        texts = segmenter._training_texts([Example(doc, doc) for doc in docs])
        assert len(texts) == 1
        text, labels = texts[0]
        end = text.index("Tekken.Basándose") + len("Tekken.") - 1
        assert labels[end] == SENT_END and text[end + 1] == "B"


def test_doc_from_segments_spells_the_text_whitespace_and_all():
    text = "  Hi there.\n\nDel mar,  ok"
    # (start, end, ends a sentence, multi-word)
    segments = [(2, 4, False, False), (5, 10, False, False), (10, 11, True, False), (13, 16, False, True),
                (17, 20, False, False), (20, 21, False, False), (23, 25, True, False)]
    doc = doc_from_segments(Vocab("es"), text, segments)
    assert doc.text == text
    assert [w for w in doc.words if not w.isspace()] == ["Hi", "there", ".", "Del", "mar", ",", "ok"]
    assert [s.text.strip() for s in doc.sents] == ["Hi there.", "Del mar,  ok"]
    assert doc.user_data["mwts"] == [[], [[0, 1, "Del"]]]  # marked for the expander, as a one-word range


def test_the_expander_learns_a_dictionary_and_suffix_rules():
    assert rule_of("quedarse", ["quedar", "se"]) == (("se",), False, 0, "")
    assert rule_of("convirtiéndose", ["convirtiendo", "se"]) == (("se",), True, 0, "")
    assert rule_of("del", ["de", "el"]) == (("el",), False, 0, "e")
    assert rule_of("au", ["à", "le"]) is None  # the trailing word is not spelled: a dictionary entry only
    assert apply_rule("Basándose", (("se",), True, 0, "")) == ["Basando", "se"]
    assert apply_rule("RELAJARSE", (("se",), False, 0, "")) == ["RELAJAR", "SE"]
    assert apply_rule("quedarse", (("se",), True, 0, "")) is None  # nothing to strip: another rule must fit

    nlp = lexloom.blank("es")
    mwt = nlp.add_pipe("mwt")
    examples = [Example(d, d) for d in read_conllu(GSD_SLICE, nlp.vocab, n_sents=10)]
    mwt.initialize(lambda: examples)
    assert mwt.expand("del") == ["de", "el"] and mwt.expand("Del") == ["De", "el"] and mwt.expand("AL") == ["A", "EL"]
    assert mwt.score(examples) == {"mwt_acc": 1.0}
    # forms never seen take the rule of their longest known ending
    assert mwt.expand("comprarse") == ["comprar", "se"]
    assert mwt.expand("zzz") is None

    # a Doc with a one-word range (marked by a segmenter) gets its words, and keeps its text
    doc = doc_from_segments(nlp.vocab, "Vengo del mar.", [(0, 5, False, False), (6, 9, False, True), (10, 13, False, False), (13, 14, True, False)])
    expanded = mwt(doc)
    assert expanded.words == ["Vengo", "de", "el", "mar", "."] and expanded.text == "Vengo del mar."
    assert expanded.user_data["mwts"] == [[[1, 3, "del"]]]


def test_the_expander_judges_forms_it_never_saw_by_a_model_of_their_endings(tmp_path):
    """Infinitives with a clitic it never saw are multi-word; words that merely end in "-se" are
    not, though a suffix rule would split them ("base" -> "ba" "se"). The model is saved and
    loaded with the component, and a damaged model file is a clear error."""
    from lexloom.errors import ModelLoadError

    nlp = lexloom.blank("es")
    mwt = nlp.add_pipe("mwt")
    mwt.initialize(lambda: [Example(d, d) for d in read_conllu(GSD_SLICE, nlp.vocab, n_sents=10)])
    unseen = ["comprarse", "levantarse", "quedarse", "base", "clase", "pase"]
    assert not any(f in mwt.counts["lower"] for f in unseen)
    assert [mwt.is_multiword(f) for f in unseen] == [True, True, True, False, False, False]
    assert mwt.expand("clase") == ["cla", "se"]  # what the rules alone would have done
    assert mwt.is_multiword("del") and not mwt.is_multiword("casa")  # seen forms: their counts decide

    nlp.to_disk(tmp_path / "model")
    again = lexloom.load(tmp_path / "model").get_pipe("mwt")
    assert [again.ending_score(f) for f in unseen] == [mwt.ending_score(f) for f in unseen]
    (tmp_path / "model" / "mwt" / "endings.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match="endings.safetensors"):
        lexloom.load(tmp_path / "model")


def test_the_segmenter_and_the_expander_check_the_gold_docs():
    from lexloom.debug_data import analyze

    nlp = lexloom.blank("es")
    segmenter, mwt = nlp.add_pipe("segmenter"), nlp.add_pipe("mwt")
    assert segmenter.is_trainable and segmenter.tokenizes and not mwt.is_trainable and mwt.tokenizes
    docs = list(read_conllu(GSD_SLICE, nlp.vocab, n_sents=3))[:4]
    assert not [p for d in docs for proc in (segmenter, mwt) for p in proc.check_gold(d)]
    # a `# text` that is not what the words and their SpaceAfter spell: one sentence flagged
    doc = docs[1]
    sents = list(doc.sents)
    doc.user_data["texts"][1] = doc.user_data["texts"][1].replace(" ", "", 1)
    (problem,) = segmenter.check_gold(doc)
    assert problem.check == "text_not_spelled" and (problem.start, problem.end) == (sents[1].start, sents[1].end)
    # multi-word tokens that are not one list per sentence are not learned: the Doc is flagged
    with_mwts = sum(1 for ranges in docs[2].user_data["mwts"] if ranges)
    assert with_mwts
    docs[2].user_data["mwts"] = docs[2].user_data["mwts"][:1]
    assert [p.check for p in mwt.check_gold(docs[2])] == ["mwts_not_per_sentence"]
    # `lexloom debug-data` reports both; its sentences with multi-word tokens are now spelled word by word
    report = analyze(nlp, docs, docs[:1])
    found = {w["check"]: w["count"] for w in report["warnings"] if w["check"] != "low_data"}
    assert found == {"text_not_spelled": 1 + with_mwts, "mwts_not_per_sentence": 1}


def test_multi_word_tokens_keep_the_surface_text_and_offsets(tmp_path):
    vocab = Vocab("es")
    doc = Doc(vocab, ["Vengo", "de", "el", "mar", ".", "Al", "fin", "."], [True, False, True, False, True, True, False, False],
              sent_starts=[True, False, False, False, False, True, False, False])
    assert doc.text == "Vengo deel mar. Al fin."
    doc.user_data["mwts"] = [[[1, 3, "del"]], []]
    assert doc.text == "Vengo del mar. Al fin."
    assert [t.idx for t in doc] == [0, 6, 6, 10, 13, 15, 18, 21]
    assert doc[1:3].text == "del" and doc[2].text == "el" and doc.char_span(6, 9).text == "del"
    assert [s.text for s in doc.sents] == ["Vengo del mar.", "Al fin."]
    path = write_conllu([doc], tmp_path / "out.conllu")
    lines = path.read_text().splitlines()
    assert "# text = Vengo del mar." in lines and "2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_" in lines
    # as spaCy's JSON, each word of a multi-word token has the token's span and its own orth
    data = doc.to_json()
    assert data["text"] == doc.text and data["tokens"][1:3] == [
        {"id": 1, "start": 6, "end": 9, "orth": "de"}, {"id": 2, "start": 6, "end": 9, "orth": "el"}]
    again = Doc(vocab).from_json(data)
    assert again.to_json() == data and again.words == doc.words and again.multiword_tokens() == doc.multiword_tokens()
    assert [s.text for s in again.sents] == [s.text for s in doc.sents]
    # sliced for training, a Doc keeps the multi-word tokens of its sentences
    (piece,) = [p for p in Corpus(tmp_path, max_length=5)._split(doc)][:1]
    assert piece.text.rstrip() == "Vengo del mar." and piece.user_data["mwts"] == [[[1, 3, "del"]]]


def train_raw_text_pipeline(path: Path, lang: str, steps: int, n_sentences: int):
    """A segmenter and expander trained on the first `n_sentences` of a treebank, as `lexloom train` does."""
    torch.manual_seed(0)
    rng = random.Random(0)
    nlp = lexloom.blank(lang)
    nlp.add_pipe("segmenter", config={"model": {"@architectures": "lexloom.Segmenter.v1", "hidden": 32}})
    nlp.add_pipe("mwt")
    sentences = list(read_conllu(path, nlp.vocab))[:n_sentences]
    from lexloom.convert._sentences import group_sentences

    examples = [Example(Doc(nlp.vocab, d.words, d.spaces), d) for d in group_sentences(iter(sentences), 3)]
    nlp.initialize(lambda: examples)
    optimizer = Optimizer(0.01, grad_clip=5.0, L2=0.0)
    for _ in range(steps):
        nlp.update(rng.sample(examples, 8), sgd=optimizer)
    return nlp


def test_learned_from_a_treebank_raw_text_becomes_words(tmp_path, one_thread):
    nlp = train_raw_text_pipeline(GSD_SLICE, "es", steps=120, n_sentences=100)
    text = "El presidente del Gobierno no quiere dejarse ver con el alcalde. Después fueron al cine."
    doc = nlp(text)
    assert doc.text == text
    assert "del" not in doc.words and ["de", "el"] == doc.words[2:4]
    assert ["dejar", "se"] == doc.words[doc.words.index("quiere") + 1 : doc.words.index("quiere") + 3]
    assert next(doc.sents).text == "El presidente del Gobierno no quiere dejarse ver con el alcalde."
    # the raw text of the treebank itself: tokens, sentences and words, scored as CoNLL 2018 does
    system = tmp_path / "system.conllu"
    scores = evaluate_raw_text(nlp, GSD_SLICE, system_path=system)
    assert scores["raw_tokens_f"] > 0.97 and scores["raw_words_f"] > 0.97 and scores["raw_sents_f"] > 0.8
    written = system.read_text(encoding="utf8")
    assert re.search(r"^(\d+)-\d+\tdel\t.*\n\1\tde\t.*\n\d+\tel\t", written, re.M)  # a range line above its words
    # saved and loaded, it makes the same Docs
    nlp.to_disk(tmp_path / "model")
    again = lexloom.load(tmp_path / "model")
    assert again(text).words == doc.words and [s.text for s in again(text).sents] == [s.text for s in doc.sents]
    # a text's pieces are read as if alone, whatever else is in its batch: the same probabilities
    segmenter = nlp.get_pipe("segmenter")
    long_text = " ".join(raw_texts(read_treebank(GSD_SLICE))[:3])
    _, (alone,) = segmenter.piece_probs([text])
    _, (batched, _) = segmenter.piece_probs([text, long_text])
    assert np.allclose(alone, batched, atol=1e-5)
    # a Doc given to the pipeline keeps its tokens: gold-word evaluation is not re-tokenized
    given = Doc(nlp.vocab, ["del", "mar"])
    assert nlp(given).words == ["del", "mar"]
    # without the learned components, the rule-based tokenizer makes the Docs
    with nlp.select_pipes(disable=["segmenter", "mwt"]):
        assert "del" in nlp(text).words


def test_without_raw_text_the_rule_based_tokenizer_stays(one_thread):
    nlp = lexloom.blank("en")
    segmenter = nlp.add_pipe("segmenter")
    doc = Doc(nlp.vocab, ["No", "text", "here"])  # no `# text`: nothing to learn from
    with pytest.warns(UserWarning, match="no raw text"):
        nlp.initialize(lambda: [Example(doc, doc)])
    assert not segmenter.learned
    assert nlp("Hello, world!").words == ["Hello", ",", "world", "!"]


def test_lexloom_train_learns_the_segmenter_with_the_pipeline(tmp_path, one_thread):
    from lexloom.config import load_config

    (corpus,) = convert(EWT_SLICE, tmp_path / "corpus", n_sents=5, lang="en")
    config = load_config(Path(__file__).parent.parent / "configs" / "ud.cfg")
    config["nlp"]["pipeline"] = ["segmenter", "mwt", "tok2vec", "tagger"]
    config["components"]["tok2vec"]["model"]["encoder"]["hidden"] = 32
    config["training"].update({"max_steps": 30, "eval_frequency": 30, "max_minutes": 0})
    config["training"]["score_weights"] = {"tag_acc": 1.0}
    config["training"]["logger"]["progress_bar"] = False
    cfg = tmp_path / "ud.cfg"
    cfg.write_text(config.to_str(interpolate=False))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["train", str(cfg), "--output", str(out), "--paths.train", str(corpus), "--paths.dev", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "segmenter" in result.output.lower()
    nlp = lexloom.load(out / "model-last")
    assert nlp.pipe_names[:2] == ["segmenter", "mwt"] and nlp.get_pipe("segmenter").learned
    scores = nlp.evaluate(list(Corpus(corpus)(nlp)))
    assert 0 < scores["segmenter_token_f"] <= 1 and "segmenter_sent_f" in scores and "mwt_acc" in scores
    for name in ("segmenter", "mwt"):  # every score key the factory registers is reported
        assert set(nlp.get_pipe(name).default_score_weights()) <= set(scores)
    gold = read_treebank(EWT_SLICE)
    system = tmp_path / "sys.conllu"
    evaluate_raw_text(nlp, EWT_SLICE, system_path=system)
    assert evaluate(gold, read_treebank(system))["Tokens"].f1 > 0.5


def test_after_max_updates_the_segmenter_keeps_the_average_of_its_own_steps(one_thread):
    """The pipeline goes on learning after the segmenter stops: the weights saved for the
    segmenter stay the average of its own updates, not its last raw weights."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import SMALL_TOK2VEC

    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    nlp.add_pipe("segmenter", config={"max_updates": 3, "model": {"@architectures": "lexloom.Segmenter.v1", "hidden": 16}})
    nlp.add_pipe("senter", config={"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": dict(SMALL_TOK2VEC)}})
    examples = [Example(Doc(nlp.vocab, d.words, d.spaces), d) for d in read_conllu(EWT_SLICE, nlp.vocab, n_sents=3)][:8]
    nlp.initialize(lambda: examples)
    optimizer = Optimizer(0.01, L2=0.0)

    def averages(component: str) -> dict[str, torch.Tensor]:
        return {n: v.clone() for n, v in optimizer.averages.items() if n.startswith(component + ".")}

    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    segmenter, senter = averages("segmenter"), averages("senter")
    raw = {n: p.detach().clone() for n, p in nlp.named_parameters() if n.startswith("segmenter.")}
    assert segmenter and any(not torch.equal(segmenter[n], raw[n]) for n in raw)  # an average, not the raw weights
    for _ in range(5):
        losses = nlp.update(examples, sgd=optimizer)
    assert "segmenter" not in losses and losses["senter"] > 0
    assert all(torch.equal(v, optimizer.averages[n]) for n, v in segmenter.items())
    assert any(not torch.equal(v, optimizer.averages[n]) for n, v in senter.items())
    with nlp.use_params(optimizer.averages):
        assert all(torch.equal(p, segmenter[n]) for n, p in nlp.named_parameters() if n.startswith("segmenter."))


def test_sentence_boundaries_set_later_keep_the_multi_word_tokens(one_thread):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import SMALL_TOK2VEC

    nlp = lexloom.blank("es")
    nlp.add_pipe("senter", config={"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": dict(SMALL_TOK2VEC)}})
    parser = nlp.add_pipe("parser", config={"model": {"@architectures": "lexloom.BiaffineParser.v1", "tok2vec": dict(SMALL_TOK2VEC)}})
    examples = [Example(d, d) for d in read_conllu(GSD_SLICE, nlp.vocab, n_sents=5)]
    nlp.initialize(lambda: examples)

    def doc_with_mwts(n_words: int) -> Doc:
        words = (["Vengo", "de", "el", "mar", "."] * (n_words // 5 + 1))[:n_words]
        spaces = [w not in ("de", "mar") for w in words[:-1]] + [False]
        doc = Doc(nlp.vocab, words, spaces, sent_starts=[i in (0, n_words // 2) for i in range(n_words)])
        doc.set_multiword_tokens([(i, i + 2, "del") for i, w in enumerate(words[:-1]) if w == "de"])
        return doc

    senter = nlp.get_pipe("senter")
    start, inside = senter.labels.index("S"), senter.labels.index("I")
    # by default a senter keeps the starts and "no starts" set before it and decides the rest,
    # as spaCy's does
    doc = Doc(nlp.vocab, ["a"] * 40, sent_starts=[True if i == 20 else False if i == 5 else None for i in range(40)])
    senter.set_annotations([doc], np.array([start if i in (0, 5, 17, 30) else inside for i in range(40)]))
    assert [s.start for s in doc.sents] == [0, 17, 20, 30]
    # one that overwrites moves the boundaries: the multi-word tokens stay with their words
    senter.cfg["overwrite"] = True
    doc = doc_with_mwts(40)
    before = doc.multiword_tokens()
    senter.set_annotations([doc], np.array([start if i in (0, 5, 17, 30) else inside for i in range(40)]))
    assert [s.start for s in doc.sents] == [0, 5, 17, 30]
    assert doc.multiword_tokens() == [r for r in before if r != (16, 18, "del")]  # the one cut by a boundary goes
    assert doc.text == ("Vengo del mar. " * 3 + "Vengo deel mar. " + "Vengo del mar. " * 4).rstrip()
    # so does the rule-based sentencizer when it overwrites them
    doc = doc_with_mwts(40)
    before = doc.multiword_tokens()
    nlp.add_pipe("sentencizer", config={"overwrite": True})(doc)
    assert len(list(doc.sents)) == 8 and doc.multiword_tokens() == before
    # the parser keeps given sentences, even those it parses in pieces for their length
    doc = doc_with_mwts(700)
    before = doc.multiword_tokens()
    parser(doc)
    assert [len(s) for s in doc.sents] == [350, 350] and doc.multiword_tokens() == before
    assert all(sum(t.head.i == t.i for t in s) == 1 for s in doc.sents)  # one tree each
