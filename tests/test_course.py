"""The journey of spaCy's course, chapter 4, with `spacy` renamed to `lexloom`: label
gadget mentions with the Matcher, save them with DocBin, `init config`, `train`, load
the result, `package` it, install the sdist in a fresh virtual environment and load
the pipeline there by its name."""
import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.matcher import Matcher
from lexloom.tokens import DocBin, Span

pytestmark = pytest.mark.slow

TEXTS = [
    "How do I reset my Pixel 7 to factory settings?",
    "The Pixel 8 camera beats the old Pixel 6",
    "Is the Galaxy S23 worth it in 2024?",
    "My Galaxy S21 screen cracked again",
    "Trading in a Pixel 6 for a Galaxy S24",
    "Which phone has the best battery life?",
    "I dropped my Pixel 7 in the lake",
    "Nothing beats a good old landline",
]


def label_gadgets(nlp, texts):
    """The course's exercise: every match becomes an entity labelled with its match id."""
    matcher = Matcher(nlp.vocab)
    matcher.add("GADGET", [[{"LOWER": "pixel"}, {"IS_DIGIT": True}], [{"LOWER": "galaxy"}, {"TEXT": {"REGEX": r"^S\d+$"}}]])
    docs = []
    for doc in nlp.pipe(texts):
        matches = matcher(doc)
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in matches]
        doc.ents = spans
        docs.append(doc)
    return docs


def fresh_venv(path: Path) -> Path:
    """A new virtual environment that sees this one's packages (lexloom, torch, setuptools)
    through a .pth file, so nothing is downloaded; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    (Path(site) / "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n", encoding="utf8")
    return python


def test_matcher_docbin_init_train_package_install_load(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nlp = lexloom.blank("en")
    docs = label_gadgets(nlp, TEXTS)
    gadgets = {doc.text: [(e.text, e.label_) for e in doc.ents] for doc in docs}
    assert gadgets["Trading in a Pixel 6 for a Galaxy S24"] == [("Pixel 6", "GADGET"), ("Galaxy S24", "GADGET")]
    DocBin(docs=docs).to_disk("./train.lexloom")
    DocBin(docs=docs[::2]).to_disk("./dev.lexloom")

    runner = CliRunner()
    result = runner.invoke(app, ["init", "config", "./config.cfg", "--lang", "en", "--pipeline", "ner"])
    assert result.exit_code == 0, result.output
    # the course trains with the defaults; a test stops after a few dozen steps
    result = runner.invoke(app, ["train", "./config.cfg", "--output", "./output", "--paths.train", "./train.lexloom", "--paths.dev", "./dev.lexloom", "--training.max_steps", "60", "--training.eval_frequency", "20"])
    assert result.exit_code == 0, result.output

    trained = lexloom.load("./output/model-best")
    for text, expected in gadgets.items():
        assert [(e.text, e.label_) for e in trained(text).ents] == expected, text

    result = runner.invoke(app, ["package", "./output/model-best", "./packages", "--name", "my_pipeline", "--version", "1.0.0"])
    assert result.exit_code == 0, result.output
    sdist = tmp_path / "packages" / "en_my_pipeline-1.0.0" / "dist" / "en_my_pipeline-1.0.0.tar.gz"
    assert sdist.is_file()

    python = fresh_venv(tmp_path / "venv")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", str(sdist)],
        check=True, capture_output=True,
    )
    probe = textwrap.dedent(
        """
        import json, sys, lexloom
        nlp = lexloom.load("en_my_pipeline")
        texts = json.loads(sys.argv[1])
        print(json.dumps({
            "module": sys.modules["en_my_pipeline"].__file__,
            "name": nlp.meta["name"], "version": nlp.meta["version"], "pipeline": nlp.pipe_names,
            "ents": [[(e.text, e.label_) for e in nlp(t).ents] for t in texts],
        }))
        """
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run([str(python), "-c", probe, json.dumps(TEXTS)], check=True, capture_output=True, text=True, cwd=elsewhere)
    seen = json.loads(out.stdout)
    assert Path(seen["module"]).is_relative_to(tmp_path / "venv")
    assert (seen["name"], seen["version"], seen["pipeline"]) == ("my_pipeline", "1.0.0", ["tok2vec", "ner"])
    assert [[tuple(e) for e in ents] for ents in seen["ents"]] == list(gadgets.values())
