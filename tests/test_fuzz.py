"""Bad input wherever data enters: every reader either parses a file or raises a LexloomError
that names the file, never another exception (which the CLI would show as a traceback).

Inputs are real valid slices of tests/data/ and the repository's own configs, mutated:
truncated at a random byte, lines deleted or duplicated, a column dropped, doubled or
replaced, bytes flipped, invalid UTF-8, NUL bytes, a BOM, CRLF line ends, or emptied.
`benchmarks/reliability.py` runs the same entry points with 10,000 inputs each.
"""
from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lexloom
from lexloom.config import load_config
from lexloom.convert import read_conll03, read_conllu, read_docs, read_iob, read_jsonl
from lexloom.errors import ConfigError, DataError, LexloomError, ModelLoadError
from lexloom.lang import create_tokenizer
from lexloom.project import load_project
from lexloom.tokens import Example, Vocab, write_docbin
from lexloom.training.loop import apply_params_file

TESTS = Path(__file__).parent
ROOT = TESTS.parent
DATA = TESTS / "data"


# --- mutations ------------------------------------------------------------------------------
def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _truncate(data: bytes, r: random.Random) -> bytes:
    return data[: r.randrange(len(data) + 1)]


def _delete_line(data: bytes, r: random.Random) -> bytes:
    lines = _lines(data)
    del lines[r.randrange(len(lines))]
    return b"".join(lines)


def _duplicate_line(data: bytes, r: random.Random) -> bytes:
    lines = _lines(data)
    i = r.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"".join(lines)


def _change_column(data: bytes, r: random.Random) -> bytes:
    """Drop, double or replace one tab- (else space-) separated column of one line."""
    lines = _lines(data)
    i = r.randrange(len(lines))
    body = lines[i].rstrip(b"\r\n")
    sep = b"\t" if b"\t" in body else b" "
    columns = body.split(sep)
    j = r.randrange(len(columns))
    action = r.choice(["drop", "double", "replace"])
    if action == "drop":
        del columns[j]
    elif action == "double":
        columns.insert(j, columns[j])
    else:
        columns[j] = r.choice([b"", b"_", b"-1", b"0", b"999999", b"1-0", b"x:y", b"{", b"]", b"B-", b"\xff", b"nan", b"${x}", b"[a]"])
    lines[i] = sep.join(columns) + lines[i][len(body):]
    return b"".join(lines)


def _flip_byte(data: bytes, r: random.Random) -> bytes:
    if not data:
        return data
    i = r.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << r.randrange(8))]) + data[i + 1 :]


def _insert(snippet: bytes) -> Callable[[bytes, random.Random], bytes]:
    def insert(data: bytes, r: random.Random) -> bytes:
        i = r.randrange(len(data) + 1)
        return data[:i] + snippet + data[i:]

    insert.__name__ = f"_insert_{snippet!r}"
    return insert


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _truncate, _delete_line, _duplicate_line, _change_column, _change_column, _flip_byte,
    _insert(b"\xff\xfe"), _insert(b"\xc3"), _insert(b"\x00"), _insert(b"\n\n"), _insert(b"\t"),
    lambda data, r: b"\xef\xbb\xbf" + data,  # a UTF-8 BOM
    lambda data, r: data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),  # CRLF
    lambda data, r: b"",  # empty
]


def mutate(data: bytes, steps: list[tuple[int, int]]) -> bytes:
    for which, seed in steps:
        data = MUTATIONS[which % len(MUTATIONS)](data, random.Random(seed))
    return data


MUTATION_STEPS = st.lists(st.tuples(st.integers(0, len(MUTATIONS) - 1), st.integers(0, 2**32)), min_size=1, max_size=3)


# --- entry points -----------------------------------------------------------------------------
def _head(path: Path, n_lines: int) -> bytes:
    """About the first `n_lines` lines, ending at a blank line where there is one (a whole sentence)."""
    lines = path.read_bytes().splitlines(keepends=True)
    end = n_lines
    while end < len(lines) and lines[end - 1].strip():
        end += 1
    return b"".join(lines[:end])


@dataclass
class EntryPoint:
    """One place data enters: valid seed inputs, the file name they are written to, and
    `read(path)`, which consumes everything the reader yields."""

    name: str
    seeds: list[bytes]
    filename: str
    read: Callable[[Path], object]
    names_file: bool = True  # whether its errors must name the file (config text has none)


def _vocab() -> Vocab:
    return Vocab("en")


def _read_jsonl(path: Path) -> list:
    vocab = _vocab()
    return list(read_jsonl(path, vocab, tokenizer=create_tokenizer("en", vocab)))


def _config_text(path: Path):
    return load_config(text=path.read_bytes().decode("utf-8", "replace"), interpolate=True)


def _params(path: Path):
    return apply_params_file({}, load_config(ROOT / "configs" / "ud.cfg"), path, "ud")


def _small_docbin() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.lexloom"
        write_docbin(out, read_conllu(DATA / "ud" / "en_ewt-ud-dev-150.conllu", _vocab()))
        return out.read_bytes()


ENTRY_POINTS: list[EntryPoint] = [
    EntryPoint("read_conllu", [_head(DATA / "ud" / "en_ewt-ud-dev-150.conllu", 80)], "in.conllu", lambda p: list(read_conllu(p, _vocab(), n_sents=2))),
    EntryPoint("read_conllu(merge_subtokens)", [_head(DATA / "edit_trees" / "en_ewt-ud-train-first300.conllu", 120)], "in.conllu",
               lambda p: list(read_conllu(p, _vocab(), merge_subtokens=True))),
    EntryPoint("read_iob", [_head(DATA / "iob" / n, 30) for n in ("word_tag-iob2.iob", "word_pos_tag-iob2.iob", "columns-bioes.iob", "columns-biluo.iob", "columns-iob1.iob")],
               "in.iob", lambda p: list(read_iob(p, _vocab()))),
    EntryPoint("read_conll03", [_head(DATA / "iob" / "conll03-uner.conll", 60)], "in.conll", lambda p: list(read_conll03(p, _vocab()))),
    EntryPoint("read_jsonl", [_head(DATA / "cats" / "cooking-train-150.jsonl", 5), _head(DATA / "debug" / "entity_edges.jsonl", 10)], "in.jsonl", _read_jsonl),
    EntryPoint("load_config(text=)", [(ROOT / "configs" / "ud.cfg").read_bytes()], "in.cfg", _config_text, names_file=False),
    EntryPoint("load_config(path)", [(ROOT / "configs" / "ud.cfg").read_bytes()], "in.cfg", lambda p: load_config(p, interpolate=True)),
    EntryPoint("load_project", [(ROOT / "project.yml").read_bytes()], "project.yml", load_project),
    EntryPoint("apply_params_file", [(ROOT / "params.yaml").read_bytes()], "params.yaml", _params),
    EntryPoint("read_docs(.jsonl)", [_head(DATA / "textcat" / "cooking-dev-50.jsonl", 5)], "in.jsonl", lambda p: list(read_docs(p, _vocab()))),
    EntryPoint("read_docs(.txt)", [b"Hello there.\nA second line, with words.\n\nAfter a blank line.\n"], "in.txt", lambda p: list(read_docs(p, _vocab()))),
    EntryPoint("read_docs(.conllu)", [_head(DATA / "ud" / "en_ewt-ud-dev-150.conllu", 60)], "in.conllu", lambda p: list(read_docs(p, _vocab()))),
    EntryPoint("read_docs(.lexloom)", [_small_docbin()], "in.lexloom", lambda p: list(read_docs(p, _vocab()))),
]


class ModelDirectory:
    """`lexloom.load` on a copy of a small saved pipeline with one of its files mutated."""

    files = ("meta.json", "config.cfg", "tagger/labels.json", "tagger/model.safetensors")

    def __init__(self, root: Path):
        nlp = lexloom.blank("en")
        nlp.add_pipe("tagger", config={"model": {"tok2vec": {
            "@architectures": "lexloom.Tok2Vec.v1", "width": 8, "rows": [50, 10, 20, 10],
            "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 8, "depth": 1}}}})
        nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b c"), {"tags": ["X", "Y", "Z"]})])
        self.good = nlp.to_disk(root / "good")
        self.work = root / "work"

    def check(self, which: int, steps: list[tuple[int, int]]) -> str:
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.copytree(self.good, self.work)
        target = self.work / self.files[which % len(self.files)]
        target.write_bytes(mutate(target.read_bytes(), steps))
        try:
            lexloom.load(self.work)
        except LexloomError as e:
            assert str(self.work) in str(e), f"the error does not name the pipeline directory or file: {e}"
            return type(e).__name__
        return "loaded"


def check(entry: EntryPoint, path: Path, data: bytes) -> str:
    """Write `data` to `path`, read it; return 'parsed' or the LexloomError's class name."""
    path.write_bytes(data)
    try:
        entry.read(path)
    except LexloomError as e:
        if entry.names_file:
            assert path.name in str(e), f"the error does not name the file: {e}"
        return type(e).__name__
    return "parsed"


# --- the tests --------------------------------------------------------------------------------
FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=[e.name for e in ENTRY_POINTS])
def test_mutated_input_parses_or_raises_a_located_lexloom_error(entry, workdir):
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(seed=st.sampled_from(entry.seeds), steps=MUTATION_STEPS)
    def run(seed, steps):
        outcomes[check(entry, workdir / entry.filename, mutate(seed, steps))] += 1

    for seed in entry.seeds:
        assert check(entry, workdir / entry.filename, seed) == "parsed"  # the seeds themselves are valid
    run()
    assert sum(n for k, n in outcomes.items() if k != "parsed") > 0  # the mutations did break inputs


def test_corrupted_model_directory_loads_or_raises_model_load_error(workdir):
    model = ModelDirectory(workdir / "model")
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(which=st.integers(0, len(ModelDirectory.files) - 1), steps=MUTATION_STEPS)
    def run(which, steps):
        outcomes[model.check(which, steps)] += 1

    run()
    assert outcomes["ModelLoadError"] > 0


@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e.names_file], ids=lambda e: e.name)
@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\x00\x00\x00\n", b"\r\n\r\n"], ids=["empty", "bom", "nul", "crlf"])
def test_degenerate_files(entry, content, workdir):
    check(entry, workdir / entry.filename, content)


def test_inputs_the_10000_input_benchmark_found(workdir):
    """Regression cases that benchmarks/reliability.py found (each once raised a bare exception)."""
    conllu = workdir / "empty_form.conllu"
    conllu.write_text("1\t\t_\tNOUN\tNN\t_\t0\troot\t_\t_\n\n")
    with pytest.raises(DataError, match=r"empty_form.conllu:1: empty FORM"):
        list(read_conllu(conllu, _vocab()))
    project = workdir / "project.yml"
    project.write_text((ROOT / "project.yml").read_text().replace("path: assets/sample/textcat_docs_issues/train.jsonl", "path: 3", 1))
    with pytest.raises(ConfigError, match=r"project.yml: assets\[\d+\].*path: expected a string, got int"):
        load_project(project)
    model = ModelDirectory(workdir / "negative")
    config = model.good / "config.cfg"
    config.write_text(config.read_text().replace("width = 8", "width = -1"))
    with pytest.raises(ModelLoadError, match="negative"):
        lexloom.load(model.good)
