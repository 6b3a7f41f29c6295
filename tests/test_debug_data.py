"""`lexloom debug-data`: counts on real EWT slices, and each broken-data check through the CLI."""
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.config.init import init_config
from lexloom.convert import convert
from lexloom.debug_data import analyze
from lexloom.pipeline.parser import tree_problems
from lexloom.tokens import Doc, write_docbin

DATA = Path(__file__).parent / "data"
EWT_TRAIN = DATA / "edit_trees" / "en_ewt-ud-train-first300.conllu"
EWT_DEV = DATA / "ud" / "en_ewt-ud-dev-150.conllu"
UNER_DEV = DATA / "uner" / "en_ewt-ud-dev-100.iob2"
TEXTCAT_DEV = DATA / "textcat" / "docs_issues-eval-50.jsonl"
BROKEN = DATA / "debug"


def write_config(tmp_path: Path, pipeline: list[str]) -> Path:
    path = tmp_path / f"{'-'.join(pipeline)}.cfg"
    path.write_text(init_config("en", pipeline).to_str(interpolate=False))
    return path


def corpus(source: Path, out: Path, n_sents: int = 1) -> Path:
    (path,) = convert(source, out, n_sents=n_sents)
    return path


def run_debug_data(config: Path, train: Path, dev: Path, report: Path, *extra: str):
    args = ["debug-data", str(config), "--paths.train", str(train), "--paths.dev", str(dev), "--output", str(report), *extra]
    result = CliRunner().invoke(app, args)
    return result, json.loads(report.read_text())


def conllu_counts(path: Path) -> dict:
    """Count a CoNLL-U file by hand: sentences, words, forms, UPOS, XPOS and DEPREL labels."""
    counts = {"sentences": 0, "words": 0, "forms": Counter(), "pos": Counter(), "tag": Counter(), "dep": Counter()}
    for block in path.read_text(encoding="utf8").split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if line and not line.startswith("#")]
        words = [row for row in rows if row[0].isdigit()]
        if not words:
            continue
        counts["sentences"] += 1
        counts["words"] += len(words)
        for row in words:
            counts["forms"][row[1]] += 1
            for key, column in (("pos", 3), ("tag", 4), ("dep", 7)):
                if row[column] != "_":
                    counts[key][row[column]] += 1
    return counts


def test_report_counts_equal_an_independent_count_of_the_ewt_slices(tmp_path):
    config = write_config(tmp_path, ["tagger", "morphologizer", "parser"])
    train = corpus(EWT_TRAIN, tmp_path / "train", n_sents=10)
    dev = corpus(EWT_DEV, tmp_path / "dev", n_sents=10)
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json")
    # warnings (rare labels, dev labels unseen in train) do not fail
    assert result.exit_code == 0, result.output
    assert report["errors"] == []
    assert {w["check"] for w in report["warnings"]} >= {"rare_labels", "dev_labels_unseen"}
    gold_train, gold_dev = conllu_counts(EWT_TRAIN), conllu_counts(EWT_DEV)
    summary = report["summary"]
    assert summary["train"] == {"docs": 30, "sentences": 300, "words": gold_train["words"]}
    assert summary["dev"] == {"docs": 15, "sentences": 150, "words": gold_dev["words"]}
    assert summary["vocab_size"] == len(gold_train["forms"])
    unseen = sum(n for form, n in gold_dev["forms"].items() if form not in gold_train["forms"])
    assert unseen > 0 and summary["dev_unseen_words"] == unseen
    assert summary["dev_unseen_words_pct"] == round(100 * unseen / gold_dev["words"], 2)
    for kind in ("tag", "pos", "dep"):
        assert report["labels"][kind]["train"] == dict(gold_train[kind]), kind
        assert report["labels"][kind]["dev"] == dict(gold_dev[kind]), kind
    rare = next(w for w in report["warnings"] if w["check"] == "rare_labels")
    assert rare["count"] == sum(1 for kind in ("tag", "pos", "dep") for n in gold_train[kind].values() if n < 20) + sum(
        1 for n in report["labels"]["morph"]["train"].values() if n < 20
    )
    assert "Corpora" in result.output and "dep labels" in result.output


def error(report: dict, check: str) -> dict:
    found = [e for e in report["errors"] if e["check"] == check]
    assert found, f"no {check} error in {report['errors']}"
    return found[0]


@pytest.mark.parametrize(
    "broken, check, doc, tokens",
    [("cycle.conllu", "cyclic_trees", 1, [0, 19]), ("two_roots.conllu", "multiple_roots", 1, [0, 19])],
)
def test_broken_trees_fail(tmp_path, broken, check, doc, tokens):
    config = write_config(tmp_path, ["parser"])
    train = corpus(BROKEN / broken, tmp_path / "train")
    dev = corpus(EWT_DEV, tmp_path / "dev", n_sents=10)
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json", "--verbose")
    assert result.exit_code == 1
    assert [e["check"] for e in report["errors"]] == [check]
    found = error(report, check)
    assert found["count"] == 1
    assert found["examples"][0]["split"] == "train" and found["examples"][0]["doc"] == doc
    assert found["examples"][0]["tokens"] == tokens and found["examples"][0]["text"].startswith("President Bush")
    assert "train doc 1 tokens 0:19: 'President Bush" in result.output  # --verbose lists the example


def test_heads_outside_their_sentence_fail(tmp_path):
    config = write_config(tmp_path, ["parser"])
    nlp = lexloom.blank("en")
    # two sentences; "barks" (token 3) is headed by "cat" in the first sentence
    doc = Doc(nlp.vocab, ["The", "cat", "sat", "barks"], heads=[1, 2, 2, 1], deps=["det", "nsubj", "root", "root"], sent_starts=[1, 0, 0, 1])
    train = write_docbin(tmp_path / "train.lexloom", [doc])
    dev = corpus(EWT_DEV, tmp_path / "dev", n_sents=10)
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json")
    assert result.exit_code == 1
    found = error(report, "heads_outside_sentence")
    assert found["count"] == 1 and found["examples"][0]["tokens"] == [3, 4]


def test_entity_on_whitespace_fails_and_on_punctuation_warns(tmp_path):
    config = write_config(tmp_path, ["ner"])
    train = corpus(BROKEN / "entity_edges.jsonl", tmp_path / "train")
    dev = corpus(UNER_DEV, tmp_path / "dev", n_sents=10)
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json")
    assert result.exit_code == 1
    found = error(report, "entity_whitespace_edges")
    assert found["count"] == 1 and found["examples"][0]["doc"] == 1 and found["examples"][0]["text"] == " Paris"
    punct = next(w for w in report["warnings"] if w["check"] == "entity_punctuation_edges")
    assert punct["count"] == 1 and punct["examples"][0]["text"] == "Yahoo!"
    assert report["labels"]["ents"]["train"] == {"LOC": 2, "ORG": 1}
    assert set(report["labels"]["ents"]["dev"]) == {"LOC", "ORG"}
    warned = {w["check"] for w in report["warnings"]}
    assert "low_data" in warned and "dev_labels_unseen" not in warned


def test_exclusive_textcat_needs_exactly_one_positive_class(tmp_path):
    config = write_config(tmp_path, ["textcat"])
    train = corpus(BROKEN / "textcat_classes.jsonl", tmp_path / "train")
    dev = corpus(TEXTCAT_DEV, tmp_path / "dev")
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json")
    assert result.exit_code == 1
    found = error(report, "textcat_not_one_class")
    assert found["count"] == 2
    assert [(e["doc"], e["positive"]) for e in found["examples"]] == [(1, ["DOCUMENTATION", "OTHER"]), (2, [])]
    assert report["labels"]["cats"]["train"] == {"DOCUMENTATION": 2, "OTHER": 2}
    # the same corpus is fine for independent labels
    multilabel = write_config(tmp_path, ["textcat_multilabel"])
    result, report = run_debug_data(multilabel, train, dev, tmp_path / "report2.json")
    assert result.exit_code == 0 and report["errors"] == []


def test_empty_docs_and_missing_annotation_fail(tmp_path):
    train = corpus(BROKEN / "empty_doc.jsonl", tmp_path / "train")
    dev = corpus(TEXTCAT_DEV, tmp_path / "dev")
    result, report = run_debug_data(write_config(tmp_path, ["textcat"]), train, dev, tmp_path / "report.json")
    assert result.exit_code == 1
    assert [e["check"] for e in report["errors"]] == ["empty_docs"]
    assert error(report, "empty_docs")["examples"][0]["doc"] == 1
    # a parser has nothing to learn from text without trees
    result, report = run_debug_data(write_config(tmp_path, ["parser"]), train, dev, tmp_path / "report2.json")
    assert result.exit_code == 1
    assert error(report, "no_annotation")["examples"] == [{"component": "parser", "annotation": ["dep"]}]


def test_long_and_partially_annotated_docs_warn():
    nlp = lexloom.blank("en")
    nlp.add_pipe("ner")
    full = Doc(nlp.vocab, ["Ada", "met", "Bob", "today"], ents=["U-PER", "O", "U-PER", "O"])
    partial = Doc(nlp.vocab, ["Bob", "left", "Paris"], ents=["U-PER", "-", "-"])
    short = Doc(nlp.vocab, ["Bob", "runs"], ents=["U-PER", "O"])
    report = analyze(nlp, [full, partial], [short], max_doc_length=3)
    assert report["errors"] == []
    warnings = {w["check"]: w for w in report["warnings"]}
    assert warnings["long_docs"]["examples"] == [{"split": "train", "doc": 0, "tokens": [0, 4], "text": "Ada met Bob today", "length": 4}]
    assert warnings["ents_partially_annotated"]["count"] == 1
    assert warnings["ents_partially_annotated"]["examples"][0]["unannotated"] == 2
    assert report["labels"]["ents"] == {"components": ["ner"], "train": {"PER": 3}, "dev": {"PER": 1}}


@pytest.mark.parametrize(
    "heads, expected",
    [
        ([1, 1, 1], set()),  # a tree (offset 0)
        ([-1, -1, -1], set()),  # no annotation: not checked
        ([1, 2, 0], {"cyclic_trees"}),
        ([0, 1, 1], {"multiple_roots"}),
        ([1, -1, 1], set()),  # partly unset heads end their paths
        ([1, 1, 7], {"heads_outside_sentence"}),
    ],
)
def test_tree_problems(heads, expected):
    assert tree_problems(np.array(heads), 0) == expected


def test_tree_problems_use_absolute_heads():
    assert tree_problems(np.array([11, 11, 11]), 10) == set()
    assert tree_problems(np.array([11, 12, 11]), 10) == {"cyclic_trees"}


# --- a treebank that lacks what a component learns (UD Spanish-GSD has no XPOS) --------------------
SPANISH = Path(__file__).parent.parent / "assets" / "sample" / "UD_Spanish-GSD"


@pytest.fixture(scope="module")
def spanish(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spanish")
    config = tmp / "ud.cfg"
    cfg = init_config("es", ["tagger", "morphologizer", "parser"])
    cfg["training"].update({"max_steps": 4, "eval_frequency": 2})
    cfg["training"]["logger"]["progress_bar"] = False
    config.write_text(cfg.to_str(interpolate=False))
    train = corpus(SPANISH / "es_gsd-ud-train.conllu", tmp / "train", n_sents=5)
    dev = corpus(SPANISH / "es_gsd-ud-dev.conllu", tmp / "dev", n_sents=5)
    return config, train, dev


def test_a_component_without_annotation_is_an_error_or_left_out(spanish, tmp_path):
    config, train, dev = spanish
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json")
    assert result.exit_code == 1 and error(report, "no_annotation")["examples"][0]["component"] == "tagger"
    args = ["train", str(config), "--paths.train", str(train), "--paths.dev", str(dev), "--output", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert "training corpus has no annotation for tagger (token.tag)" in str(result.exception)
    assert not (tmp_path / "out").exists()
    # With unannotated = "skip" the same config serves a treebank without XPOS.
    result, report = run_debug_data(config, train, dev, tmp_path / "report.json", "--training.unannotated", "skip")
    assert report["errors"] == [] and [w for w in report["warnings"] if w["check"] == "left_out"][0]["examples"][0]["component"] == "tagger"
    result = CliRunner().invoke(app, [*args, "--training.unannotated", "skip"])
    assert result.exit_code == 0, result.output
    nlp = lexloom.load(tmp_path / "out" / "model-last")
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "parser"] and nlp.lang == "es"
    assert "tagger" not in nlp.config["components"]


def test_annotation_on_a_handful_of_tokens_counts_as_none(tmp_path):
    """UD Spanish-GSD's dev file has one XPOS ("ADP") among 36,000 tokens: a tagger trained on it
    would tag every word ADP, so it is left out as if the column were empty. XPOS on every token
    (UPOS copied) keeps it."""
    from lexloom.debug_data import unannotated_components
    from lexloom.tokens import Vocab, read_docbin

    def xpos(rows, fill):
        lines = []
        for line in (SPANISH / "es_gsd-ud-train.conllu").read_text(encoding="utf8").splitlines():
            cols = line.split("\t")
            if len(cols) == 10 and cols[0].isdigit():
                cols[4] = fill(cols, rows)
                rows.append(cols)
            lines.append("\t".join(cols))
        path = tmp_path / f"{fill.__name__}.conllu"
        path.write_text("\n".join(lines) + "\n", encoding="utf8")
        return list(read_docbin(corpus(path, tmp_path / fill.__name__), Vocab("es")))

    def one(cols, rows):
        return "ADP" if not rows else "_"

    def every(cols, rows):
        return cols[3]

    nlp = lexloom.blank("es")
    for name in ("tagger", "morphologizer", "parser"):
        nlp.add_pipe(name)
    # a UPOS tagger learns the UPOS the treebank has, so it is kept where XPOS is missing
    nlp.add_pipe("tagger", name="upos", config={"attr": "pos"})
    sparse = xpos([], one)
    assert sum(int((doc._tag != 0).sum()) for doc in sparse) == 1
    assert unannotated_components(nlp, sparse) == ["tagger"]
    assert unannotated_components(nlp, xpos([], every)) == []
