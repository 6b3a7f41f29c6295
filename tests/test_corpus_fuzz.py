"""Corpus content that loads must train: a `.lexloom` archive corrupted in its structure (not
just its bytes) either goes through `train`, `evaluate`, `apply` and `debug-data`, or is refused
with a LexloomError that names the file, never a traceback.

The corruptions are what a buggy writer or a damaged copy produces: a truncated ZIP, broken
JSON, token tables of the wrong dtype or length, string ids and heads out of range, entity and
sentence codes out of range, labels that are not strings, category scores that are not numbers.
`benchmarks/reliability.py --only corpus` runs the same with 10,000 archives.
"""
from __future__ import annotations

import io
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.config.init import init_config
from lexloom.convert import read_conllu
from lexloom.errors import LexloomError
from lexloom.tokens import Span, Vocab, read_docbin, write_docbin

from conftest import SMALL_TOK2VEC

UD = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"
PIPELINE = ["tagger", "parser", "ner", "textcat"]


# --- a valid archive with every kind of annotation ------------------------------------------------
def seed_archive(path: Path, n_docs: int = 8) -> Path:
    """UD sentences (tags, lemmas, heads, labels, sentence starts) with proper nouns marked as
    entities and a category per doc."""
    docs = []
    for k, doc in enumerate(read_conllu(UD, Vocab("en"), n_sents=2)):
        if k == n_docs:
            break
        doc.ents = [Span(doc, i, i + 1, "NAME") for i, token in enumerate(doc) if token.pos_ == "PROPN"]
        doc.cats = {"EVEN": float(k % 2 == 0), "ODD": float(k % 2 == 1)}
        docs.append(doc)
    return write_docbin(path, docs)


# --- corruptions: each takes the archive's members and returns them changed ------------------------
Members = dict[str, bytes]


def _npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def _to_npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _edit_column(members: Members, r: random.Random, column: str, value: Callable[[np.ndarray, random.Random], int]) -> Members:
    table = _npy(members["000000/tokens.npy"])
    wide = table.astype([(name, np.int64) for name in table.dtype.names])
    i = r.randrange(len(wide))
    wide[column][i] = value(wide[column], r)
    return {**members, "000000/tokens.npy": _to_npy(wide)}


def _json_member(members: Members, name: str, edit: Callable[[object], object]) -> Members:
    return {**members, name: json.dumps(edit(json.loads(members[name]))).encode()}


def truncated_zip(members: Members, r: random.Random) -> bytes | Members:
    data = _zip(members)
    return data[: r.randrange(len(data))]


def broken_json(members: Members, r: random.Random) -> Members:
    name = r.choice(["meta.json", "strings.json", "000000/docs.json"])
    text = members[name]
    return {**members, name: text[: r.randrange(len(text))] + r.choice([b"", b"{", b"]", b",", b"\xff"])}


def wrong_dtype(members: Members, r: random.Random) -> Members:
    table = _npy(members["000000/tokens.npy"])
    changed = r.choice([
        lambda: table.astype([(n, np.float32) for n in table.dtype.names]),
        lambda: np.stack([table[n].astype(np.float64) for n in table.dtype.names], axis=1),
        lambda: np.array([str(x) for x in table["orth"]]),
    ])()
    name = r.choice(["000000/tokens.npy", "000000/lengths.npy"])
    return {**members, name: _to_npy(changed if name.endswith("tokens.npy") else changed[: len(_npy(members[name]))])}


def wrong_length(members: Members, r: random.Random) -> Members:
    name = r.choice(["000000/tokens.npy", "000000/lengths.npy"])
    arr = _npy(members[name])
    i = r.randrange(len(arr))
    changed = r.choice([np.delete(arr, i), np.insert(arr, i, arr[i])])
    if name.endswith("lengths.npy") and r.random() < 0.5:
        changed = arr.copy()
        changed[i] = r.choice([0, -1, int(arr[i]) + 1])
    return {**members, name: _to_npy(changed)}


def string_id_out_of_range(members: Members, r: random.Random) -> Members:
    n = len(json.loads(members["strings.json"]))
    column = r.choice(["orth", "tag", "pos", "lemma", "dep", "ent_type"])
    return _edit_column(members, r, column, lambda col, r: r.choice([n, n + 100, -1, 0]))


def head_out_of_range(members: Members, r: random.Random) -> Members:
    return _edit_column(members, r, "head", lambda col, r: r.choice([40, -40, 10**6, -(10**6)]))


def code_out_of_range(members: Members, r: random.Random) -> Members:
    column = r.choice(["ent_iob", "sent_start", "spaces"])
    return _edit_column(members, r, column, lambda col, r: r.choice([-2, 4, 7, 100]))


def entity_codes(members: Members, r: random.Random) -> Members:
    """An entity token without a label, or an entity that starts inside (I without B)."""
    return _edit_column(members, r, r.choice(["ent_iob", "ent_type"]), lambda col, r: r.choice([1, 3, 0]))


def label_of_wrong_type(members: Members, r: random.Random) -> Members:
    strings = json.loads(members["strings.json"])
    i = r.randrange(1, len(strings))
    strings[i] = r.choice([12345, None, 1.5, ["GADGET"], {"label": "X"}, True])
    return {**members, "strings.json": json.dumps(strings).encode()}


def cats_of_wrong_type(members: Members, r: random.Random) -> Members:
    def edit(extras):
        k = r.randrange(len(extras))
        extras[k] = r.choice([
            {"cats": {"EVEN": "yes", "ODD": 0.0}}, {"cats": {"EVEN": 2.0}}, {"cats": {"EVEN": None}}, {"cats": {"": 1.0}},
            {"cats": ["EVEN"]}, {"cats": {"EVEN": True}}, {"user_data": []}, [], "cats", None,
        ])
        return extras

    return _json_member(members, "000000/docs.json", edit)


def span_groups(members: Members, r: random.Random) -> Members:
    def edit(extras):
        k = r.randrange(len(extras))
        extras[k] = {**extras[k], "spans": r.choice([
            {"sc": [[0, 1, "NAME"]]}, {"sc": [[0, 99, "NAME"]]}, {"sc": [[2, 1, "NAME"]]}, {"sc": [[0, 1, 7]]},
            {"sc": [[0, 1]]}, {"sc": "NAME"}, ["sc"], {"sc": [["0", 1, "NAME"]]}, {"sc": [[0, 1.5, "NAME"]]},
        ])}
        return extras

    return _json_member(members, "000000/docs.json", edit)


def wrong_meta(members: Members, r: random.Random) -> Members:
    def edit(meta):
        key, value = r.choice([
            ("attrs", ["spaces", "tag"]), ("attrs", ["orth", "orth"]), ("attrs", ["orth", "colour"]), ("attrs", "orth"),
            ("chunks", [{"name": "000001", "n_docs": 8}]), ("chunks", [{"name": 0}]), ("chunks", {}), ("n_docs", "many"),
            ("version", 99), ("format", "spacy-docbin"),
        ])
        return {**meta, key: value}

    return _json_member(members, "meta.json", edit)


CORRUPTIONS = [truncated_zip, broken_json, wrong_dtype, wrong_length, string_id_out_of_range, head_out_of_range,
               code_out_of_range, entity_codes, label_of_wrong_type, cats_of_wrong_type, span_groups, wrong_meta]


def _zip(members: Members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def corrupt(seed: bytes, which: int, rng_seed: int) -> bytes:
    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    out = CORRUPTIONS[which % len(CORRUPTIONS)](members, random.Random(rng_seed))
    return out if isinstance(out, bytes) else _zip(out)


# --- the commands a corpus goes through ---------------------------------------------------------
class Commands:
    """`train`, `evaluate`, `apply` and `debug-data` on a corpus file, in-process."""

    names = ("train", "evaluate", "apply", "debug-data")

    def __init__(self, root: Path):
        self.root = root
        self.valid = seed_archive(root / "valid.lexloom")
        cfg = init_config("en", PIPELINE)
        cfg["components"]["tok2vec"]["model"] = dict(SMALL_TOK2VEC)
        cfg["system"]["threads"] = 1
        cfg["training"].update({"max_steps": 1, "eval_frequency": 1, "patience": 0})
        cfg["training"]["logger"]["progress_bar"] = False
        self.config = root / "config.cfg"
        self.config.write_text(cfg.to_str(interpolate=False))
        assert self.run("train", self.valid) == "ok"
        self.model = root / "out" / "model-last"

    def run(self, command: str, corpus: Path) -> str:
        """'ok', or the LexloomError's class name; any other exception fails the test."""
        out = self.root / "out"
        args = {
            "train": ["train", str(self.config), "--output", str(out), "--paths.train", str(corpus), "--paths.dev", str(self.valid)],
            "evaluate": ["evaluate", str(self.root / "out" / "model-last"), str(corpus), "--output", str(self.root / "scores.json")],
            "apply": ["apply", str(self.root / "out" / "model-last"), str(corpus), str(self.root / "applied.lexloom")],
            "debug-data": ["debug-data", str(self.config), "--paths.train", str(corpus), "--paths.dev", str(self.valid),
                           "--output", str(self.root / "debug.json")],
        }[command]
        if command == "train" and corpus != self.valid:
            args[3] = str(self.root / "out-fuzz")  # the model the other commands use stays as it is
        result = CliRunner().invoke(app, args)
        if result.exception is None or isinstance(result.exception, SystemExit) and result.exit_code == 0:
            return "ok"
        if isinstance(result.exception, LexloomError):
            assert corpus.name in str(result.exception), f"{command}: the error does not name the corpus: {result.exception}"
            return type(result.exception).__name__
        if isinstance(result.exception, SystemExit) and command == "debug-data":
            return "debug-data found errors"  # it reports problems in the data and exits 1
        raise AssertionError(f"{command} raised {type(result.exception).__name__}: {result.exception}\n{result.output}") from result.exception


@pytest.fixture(scope="module")
def commands(tmp_path_factory) -> Commands:
    return Commands(tmp_path_factory.mktemp("corpus-fuzz"))


@pytest.mark.parametrize("command", Commands.names)
def test_corrupted_corpus_goes_through_or_is_refused_naming_the_file(commands, command, one_thread):
    seed = commands.valid.read_bytes()
    assert commands.run(command, commands.valid) in ("ok", "debug-data found errors")
    outcomes: Counter[str] = Counter()
    target = commands.root / "corrupt.lexloom"

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(which=st.integers(0, len(CORRUPTIONS) - 1), rng_seed=st.integers(0, 2**32))
    def run(which, rng_seed):
        target.write_bytes(corrupt(seed, which, rng_seed))
        outcomes[commands.run(command, target)] += 1

    run()
    assert outcomes["DataError"] > 0, outcomes  # the corruptions did reach the checks


@pytest.mark.parametrize("corruption, message", [
    (label_of_wrong_type, r"doc \d+: token \d+: its \w+ is .* not a string"),
    (head_out_of_range, r"doc \d+: token \d+: its head is outside the doc's \d+ tokens"),
    (code_out_of_range, r"doc \d+: token \d+: \w+ is -?\d+; it must be"),
])
def test_errors_name_the_doc_the_token_and_what_is_wrong(tmp_path, corruption, message):
    seed = seed_archive(tmp_path / "valid.lexloom").read_bytes()
    path = tmp_path / "bad.lexloom"
    for rng_seed in range(20):  # some draws change a string no doc uses: those load
        path.write_bytes(corrupt(seed, CORRUPTIONS.index(corruption), rng_seed))
        try:
            list(read_docbin(path))
        except LexloomError as e:
            assert str(e).startswith(f"{path}: ") and re.search(message, str(e)), str(e)
            return
    pytest.fail("no draw of the corruption was refused")
