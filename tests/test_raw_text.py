"""From raw text to scored CoNLL-U: whitespace in what `apply` writes, `evaluate --raw`, any language end to end."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner
from udtools import udeval

import lexloom
from lexloom.cli import app
from lexloom.convert import convert
from lexloom.convert.conllu import escape_spaces, read_conllu, unescape_spaces, whitespace_misc, write_conllu
from lexloom.errors import DataError
from lexloom.raw_text import evaluate_raw_text, raw_texts
from lexloom.scoring.conll18 import evaluate, read_treebank
from lexloom.tokens import Doc, Vocab

sys.path.insert(0, str(Path(__file__).parent))
from conftest import SMALL_TOK2VEC  # noqa: E402

DATA = Path(__file__).parent / "data"
EWT_SLICE = DATA / "ud" / "en_ewt-ud-dev-150.conllu"
GSD_SLICE = DATA / "tokenizer" / "es_gsd-ud-test-slice.conllu"


def text_from_conllu(path: Path) -> str:
    """The text a CoNLL-U file spells with its MISC whitespace (SpacesBefore, SpacesAfter, SpaceAfter)."""
    text, mwt_end = [], 0
    for line in path.read_text(encoding="utf8").splitlines():
        columns = line.split("\t")
        if len(columns) != 10 or "." in columns[0]:
            continue
        fields = dict(f.split("=", 1) for f in columns[9].split("|") if "=" in f)
        if "SpacesBefore" in fields:
            text.append(unescape_spaces(fields["SpacesBefore"]))
        if "-" in columns[0]:
            mwt_end = int(columns[0].split("-")[1])
        elif int(columns[0]) <= mwt_end:
            continue  # a word of a multi-word token: its range line carries the text
        after = unescape_spaces(fields["SpacesAfter"]) if "SpacesAfter" in fields else "" if fields.get("SpaceAfter") == "No" else " "
        text += [columns[1], after]
    return "".join(text)


def test_whitespace_escapes_round_trip():
    for whitespace in (" ", "  ", "\n", "\n\n", "\t", "\u00a0", " \t\n\r", "|\\"):
        assert unescape_spaces(escape_spaces(whitespace)) == whitespace
    assert escape_spaces(" \t\n|\\") == r"\s\t\n\p\\"
    assert whitespace_misc(" ") is None and whitespace_misc("") == "SpaceAfter=No"
    assert whitespace_misc("\n\n") == r"SpacesAfter=\n\n" and whitespace_misc("\u00a0") == "SpacesAfter=\u00a0"


def test_unusual_whitespace_never_becomes_a_word(tmp_path):
    nlp = lexloom.blank("en")
    text = "  I have\u00a0been there.  Twice!\n\nNew line\there, ok.\n"
    doc = nlp(text)
    assert doc.text == text and any(w.isspace() for w in doc.words)
    # sentences, including one that starts on whitespace and one made of whitespace only
    words = doc.words
    starts = {0, words.index("Twice"), words.index("\n\n"), words.index("New")}
    doc._sent_start[:] = [1 if i in starts else -1 for i in range(len(doc))]
    # a tree per sentence in which whitespace tokens head words, and in the last one is the root
    for sent in doc.sents:
        for i in range(sent.start, sent.end):
            doc._head[i] = i + 1 if i + 1 < sent.end else i
    doc._dep[:] = doc.vocab.strings.add("dep")
    path = write_conllu([doc], tmp_path / "out.conllu")

    forms = [line.split("\t")[1] for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert forms == ["I", "have", "been", "there", ".", "Twice", "!", "New", "line", "here", ",", "ok", "."]
    assert text_from_conllu(path) == text
    content = path.read_text()
    assert "SpacesBefore=\\s\\s" in content and "SpacesAfter=\u00a0" in content and "SpacesAfter=\\n\\n" in content
    assert "# text = I have been there." in content and "# text = New line here, ok." in content
    # the official script reads it: one root per sentence, no cycle, no empty FORM
    official = udeval.load_conllu_file(str(path))
    assert len(official.words) == len(forms) and len(official.sentences) == 3
    rows = [line.split("\t") for line in content.splitlines() if line and not line.startswith("#")]
    assert [r[6] for r in rows].count("0") == 3
    # the final "." had the closing newline, a sentence root, as its head: it takes its place
    assert rows[-1][1] == "." and rows[-1][6:8] == ["0", "root"]


def test_writer_refuses_values_that_would_break_a_line(tmp_path):
    doc = Doc(Vocab(), words=["a", "b"], lemmas=["a", "b\tc"])
    with pytest.raises(DataError, match="LEMMA 'b\\\\tc' cannot be written"):
        write_conllu([doc], tmp_path / "bad.conllu")
    assert not (tmp_path / "bad.conllu").exists()


def test_multi_word_tokens_round_trip_with_their_surface_text(tmp_path):
    path = write_conllu(read_conllu(GSD_SLICE, Vocab("es"), n_sents=4), tmp_path / "gsd.conllu")
    written = [line for line in path.read_text().splitlines() if line.startswith("# text")]
    assert written == [line for line in GSD_SLICE.read_text().splitlines() if line.startswith("# text")]
    result = evaluate(read_treebank(GSD_SLICE), read_treebank(path))
    assert all(score.f1 == 1.0 for score in result.values())


def test_raw_texts_one_per_paragraph():
    gold = read_treebank(EWT_SLICE)
    texts = raw_texts(gold)
    n_paragraphs = sum(s.newpar or s.newdoc for s in gold.sentences)
    assert len(texts) == n_paragraphs > 1
    # every sentence's text, in order, and nothing else
    assert " ".join(texts).replace(" ", "") == "".join(s.text for s in gold.sentences).replace(" ", "")
    # a file that marks no paragraph is one text
    assert len(raw_texts(read_treebank(GSD_SLICE))) == 1


def small_config(tmp_path: Path, lang: str, corpus: Path, steps: int) -> Path:
    from lexloom.config.init import init_config

    cfg = init_config(lang, ["tagger", "morphologizer", "trainable_lemmatizer", "parser"])
    cfg["components"]["tok2vec"]["model"] = dict(SMALL_TOK2VEC)
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    # the GSD slice has no XPOS: the tagger is left out, as configs/ud.cfg leaves it out
    cfg["training"].update({"max_steps": steps, "eval_frequency": steps, "dropout": 0.1, "unannotated": "skip"})
    cfg["training"]["optimizer"]["learn_rate"] = 0.003
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / f"{lang}.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


@pytest.fixture(scope="module")
def spanish_model(tmp_path_factory):
    """A small Spanish pipeline trained on the GSD slice (the same sentences it is scored on:
    these tests check the plumbing, not accuracy)."""
    tmp = tmp_path_factory.mktemp("es")
    (corpus,) = convert(GSD_SLICE, tmp / "corpus", n_sents=1, lang="es")
    result = CliRunner().invoke(app, ["train", str(small_config(tmp, "es", corpus, 80)), "--output", str(tmp / "out")])
    assert result.exit_code == 0, result.output
    return tmp / "out" / "model-best"


def test_evaluate_raw_scores_from_the_gold_texts_raw_text(tmp_path, spanish_model, one_thread):
    metrics = tmp_path / "metrics.json"
    result = CliRunner().invoke(app, ["evaluate", str(spanish_model), str(GSD_SLICE), "--raw", "--output", str(metrics)])
    assert result.exit_code == 0, result.output
    scores = json.loads(metrics.read_text())
    assert "pos_acc" in scores and "dep_las" in scores  # the gold-word scores stay
    for key in ("tokens", "sents", "words"):
        assert 0 <= scores[f"raw_{key}_p"] <= 1 and 0 <= scores[f"raw_{key}_r"] <= 1
    # GSD's contractions are multi-word tokens the rule-based tokenizer keeps whole: tokens, not words
    assert scores["raw_tokens_f"] > 0.98 and scores["raw_words_r"] < scores["raw_tokens_r"]
    for key in ("upos", "xpos", "ufeats", "alltags", "lemmas", "uas", "las", "clas", "mlas", "blex"):
        assert 0 < scores[f"raw_{key}"] <= 1
    assert scores["raw_speed"] > 0

    # the same figures as the official script on the CoNLL-U the pipeline wrote
    nlp = lexloom.load(spanish_model)
    system = tmp_path / "system.conllu"
    again = evaluate_raw_text(nlp, GSD_SLICE, system_path=system)
    official = udeval.evaluate(udeval.load_conllu_file(str(GSD_SLICE)), udeval.load_conllu_file(str(system)))
    assert again["raw_las"] == pytest.approx(official["LAS"].f1) and again["raw_mlas"] == pytest.approx(official["MLAS"].f1)
    assert again["raw_sents_f"] == pytest.approx(official["Sentences"].f1)


def test_evaluate_raw_needs_a_conllu_file(tmp_path, spanish_model):
    corpus = tmp_path / "x.lexloom"
    corpus.write_bytes(b"")
    result = CliRunner().invoke(app, ["evaluate", str(spanish_model), str(corpus), "--raw"])
    assert isinstance(result.exception, DataError) and "--raw needs the gold treebank as a .conllu file" in str(result.exception)


def test_apply_writes_what_the_official_script_reads(tmp_path, spanish_model, one_thread):
    texts = tmp_path / "texts.txt"
    texts.write_text("¿Dónde\u00a0vive el Sr. García?\tEn  Madrid, cerca del río.\n¡Hola!\n", encoding="utf8")
    out = tmp_path / "out.conllu"
    result = CliRunner().invoke(app, ["apply", str(spanish_model), str(texts), str(out)])
    assert result.exit_code == 0, result.output
    read = udeval.load_conllu_file(str(out))
    assert "".join(read.characters) == "¿DóndeviveelSr.García?EnMadrid,cercadelrío.¡Hola!"
    assert text_from_conllu(out).split("\n")[0].startswith("¿Dónde\u00a0vive el Sr. García?\tEn  Madrid")


def test_a_language_without_rules_of_its_own_trains(tmp_path, one_thread):
    # German has no rules of its own: init config and train work with the language-neutral ones
    (corpus,) = convert(EWT_SLICE, tmp_path / "corpus", n_sents=1, lang="de")
    result = CliRunner().invoke(app, ["train", str(small_config(tmp_path, "de", corpus, 4)), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    nlp = lexloom.load(tmp_path / "out" / "model-last")
    assert nlp.lang == "de" and nlp("Wie geht's? Gut, danke.").text == "Wie geht's? Gut, danke."
