"""Reliability figures: fuzzed input at every entry point, huge inputs, streaming memory, resume.

Prints markdown tables:
  1. per entry point: mutated inputs tried, how many parsed, errors by kind, unexpected
     exceptions (must be 0): the strategies of tests/test_fuzz.py with --examples inputs each;
     then `.lexloom` archives corrupted in their structure (tests/test_corpus_fuzz.py) through
     `train`, `evaluate`, `apply` and `debug-data`, --examples each;
  2. huge inputs (a 100 MB single line into every line reader, a 1,000,000-token document
     tokenized, converted and tagged): outcome, seconds, peak RSS, each in its own process;
  3. a --sentences CoNLL-U corpus (default 1,000,000, EWT sentences repeated) streamed
     through `lexloom convert` and `lexloom train` (shuffle buffer): seconds and peak RSS;
  4. resume: a training killed with SIGKILL and resumed against an uninterrupted one.

Big files go to a temporary directory (--tmp) and are deleted at the end.

Usage: .venv/bin/python benchmarks/reliability.py [--examples 10000] [--sentences 1000000] [--steps 300] [--only fuzz,corpus,huge,stream,resume] [--commands debug-data]
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_corpus_fuzz import CORRUPTIONS, Commands, corrupt  # noqa: E402
from test_fuzz import ENTRY_POINTS, MUTATION_STEPS, ModelDirectory, check, mutate  # noqa: E402

EWT = ROOT / "tests" / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


# --- 1. fuzzing ---------------------------------------------------------------------------------
def count(outcomes: Counter, first: dict, attempt) -> None:
    """Tally what `attempt()` returns; an unexpected exception (or a failed check that the error
    names the file) is counted and shown, not raised."""
    try:
        outcomes[attempt()] += 1
    except Exception as e:
        outcomes[f"UNEXPECTED {type(e).__name__}"] += 1
        first.setdefault(type(e).__name__, str(e)[:200])


def fuzz(n_examples: int, tmp: Path) -> list[dict]:
    rows = []
    fuzz_settings = settings(max_examples=n_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    for entry in ENTRY_POINTS:
        outcomes: Counter[str] = Counter()
        first: dict[str, str] = {}
        start = time.perf_counter()

        @fuzz_settings
        @given(seed=st.sampled_from(entry.seeds), steps=MUTATION_STEPS)
        def run(seed, steps):
            count(outcomes, first, lambda: check(entry, tmp / entry.filename, mutate(seed, steps)))

        run()
        rows.append(_fuzz_row(entry.name, outcomes, first, time.perf_counter() - start))
    model = ModelDirectory(tmp / "model")
    outcomes, first = Counter(), {}
    start = time.perf_counter()

    @fuzz_settings
    @given(which=st.integers(0, len(ModelDirectory.files) - 1), steps=MUTATION_STEPS)
    def run_model(which, steps):
        count(outcomes, first, lambda: model.check(which, steps))

    run_model()
    rows.append(_fuzz_row("lexloom.load(model dir)", outcomes, first, time.perf_counter() - start))
    return rows


def corpus_fuzz(n_examples: int, tmp: Path, names: list[str] | None = None) -> list[dict]:
    """Structurally corrupted `.lexloom` archives (tests/test_corpus_fuzz.py) through each command
    (or those in `names`)."""
    import torch

    torch.set_num_threads(1)
    commands = Commands(tmp / "corpus")
    seed = commands.valid.read_bytes()
    target = commands.root / "corrupt.lexloom"
    rows = []
    for command in names or Commands.names:
        outcomes: Counter[str] = Counter()
        first: dict[str, str] = {}
        start = time.perf_counter()

        @settings(max_examples=n_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(which=st.integers(0, len(CORRUPTIONS) - 1), rng_seed=st.integers(0, 2**32))
        def run(which, rng_seed):
            target.write_bytes(corrupt(seed, which, rng_seed))

            def attempt():
                outcome = commands.run(command, target)
                return "parsed" if outcome == "ok" else outcome

            count(outcomes, first, attempt)

        run()
        rows.append(_fuzz_row(f"lexloom {command} (corrupted .lexloom)", outcomes, first, time.perf_counter() - start))
    return rows


def _fuzz_row(name: str, outcomes: Counter, first: dict, seconds: float) -> dict:
    unexpected = sum(n for k, n in outcomes.items() if k.startswith("UNEXPECTED"))
    errors = {k: n for k, n in outcomes.items() if k not in ("parsed", "loaded") and not k.startswith("UNEXPECTED")}
    row = {"entry point": name, "inputs": sum(outcomes.values()), "parsed": outcomes["parsed"] + outcomes["loaded"],
           "errors by kind": ", ".join(f"{k} {n}" for k, n in sorted(errors.items())) or "-", "unexpected": unexpected,
           "seconds": round(seconds, 1)}
    if first:
        row["first unexpected"] = "; ".join(f"{k}: {v}" for k, v in first.items())
    return row


# --- child processes with a peak-memory reading -------------------------------------------------
CHILD = """
import json, resource, sys, time
start = time.perf_counter()
try:
{body}
    outcome = "ok"
except Exception as e:
    outcome = f"{{type(e).__name__}}: {{str(e)[:120]}}"
print("@@" + json.dumps({{"outcome": outcome, "seconds": round(time.perf_counter() - start, 2),
                         "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""


def in_child(body: str, timeout: int = 3600) -> dict:
    code = CHILD.format(body=textwrap.indent(textwrap.dedent(body).strip(), "    "))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    return {"outcome": f"crashed (exit {proc.returncode}): {proc.stderr[-300:]}", "seconds": None, "peak_rss_mb": None}


BASELINE = "import lexloom, lexloom.cli, lexloom.convert, lexloom.training.loop"


# --- 2. huge inputs -------------------------------------------------------------------------------
def huge_inputs(tmp: Path) -> list[dict]:
    rows = [{"input": "nothing (import lexloom: the baseline)", **in_child(BASELINE)}]
    line = tmp / "line"
    with open(line, "wb") as f:  # 100 MB of words on one line, no line break
        chunk = b"word\tword " * 10_000
        for _ in range(100 * 2**20 // len(chunk)):
            f.write(chunk)
    readers = {
        "read_conllu": ("in.conllu", "list(read_conllu(p, Vocab('en')))"),
        "read_iob": ("in.iob", "list(read_iob(p, Vocab('en')))"),
        "read_conll03": ("in.conll", "list(read_conll03(p, Vocab('en')))"),
        "read_jsonl": ("in.jsonl", "v = Vocab('en'); list(read_jsonl(p, v, tokenizer=create_tokenizer('en', v)))"),
        "read_lines(.txt)": ("in.txt", "sum(len(t) for _, t in read_lines(p))"),
        "load_config(path)": ("in.cfg", "load_config(p)"),
        "load_project": ("project.yml", "load_project(p)"),
    }
    for name, (filename, call) in readers.items():
        path = tmp / filename
        shutil.copyfile(line, path)
        body = f"""
        {BASELINE}
        from pathlib import Path
        from lexloom.convert import read_conllu, read_iob, read_conll03, read_jsonl
        from lexloom.files import read_lines
        from lexloom.config import load_config
        from lexloom.project import load_project
        from lexloom.lang import create_tokenizer
        from lexloom.tokens import Vocab
        p = Path({str(path)!r})
        {call}
        """
        rows.append({"input": f"100 MB single line -> {name}", **in_child(body)})
        path.unlink()
    line.unlink()

    words = tmp / "million.txt"
    words.write_text(" ".join(["The", "cat", "sat", "on", "the", "mat", "."] * 142_858)[:-1] + "\n")
    rows.append({"input": "1,000,000-token text -> tokenizer (make_doc)", **in_child(f"""
        import lexloom
        nlp = lexloom.blank('en')
        doc = nlp.make_doc(open({str(words)!r}).read())
        assert len(doc) >= 1_000_000, len(doc)
        """)})
    conllu = tmp / "million.conllu"
    with open(conllu, "w") as f:  # one sentence of 1,000,000 words, all attached to the first
        f.write("# text = (one million words)\n1\tThe\tthe\tDET\tDT\t_\t0\troot\t_\t_\n")
        for i in range(2, 1_000_001):
            f.write(f"{i}\tcat\tcat\tNOUN\tNN\t_\t1\tdep\t_\t_\n")
        f.write("\n")
    rows.append({"input": "1,000,000-token CoNLL-U sentence -> lexloom convert", **in_child(f"""
        from lexloom.convert import convert
        convert({str(conllu)!r}, {str(tmp / 'million-corpus')!r})
        """)})
    model = tmp / "tagger-model"
    rows.append({"input": "1,000,000-token CoNLL-U sentence -> tagger (apply)", **in_child(f"""
        import lexloom
        from lexloom.tokens import Doc, Example
        from lexloom.convert import read_conllu
        nlp = lexloom.blank('en')
        nlp.add_pipe('tagger', config={{'model': {{'tok2vec': {{'@architectures': 'lexloom.Tok2Vec.v1', 'width': 32, 'rows': [500, 100, 200, 100],
            'encoder': {{'@architectures': 'lexloom.MaxoutWindowEncoder.v1', 'width': 32, 'depth': 1}}}}}}}})
        nlp.initialize(lambda: [Example.from_dict(nlp.make_doc('a b'), {{'tags': ['DT', 'NN']}})])
        (ref,) = read_conllu({str(conllu)!r}, nlp.vocab)
        doc = nlp(Doc(nlp.vocab, words=ref.words, spaces=ref.spaces))
        assert len(doc) == 1_000_000 and doc[5].tag_
        """)})
    conllu.unlink()
    words.unlink()
    shutil.rmtree(tmp / "million-corpus", ignore_errors=True)
    return rows


# --- 3. streaming a huge corpus ---------------------------------------------------------------------
def write_big_conllu(path: Path, n_sentences: int) -> None:
    """EWT's dev sentences over and over, each with its own sent_id."""
    blocks = [b for b in EWT.read_text(encoding="utf8").split("\n\n") if b.strip()]
    with open(path, "w", encoding="utf8") as f:
        for i in range(n_sentences):
            lines = [line for line in blocks[i % len(blocks)].splitlines() if not line.startswith("# sent_id")]
            f.write(f"# sent_id = synthetic-{i}\n" + "\n".join(lines) + "\n\n")


def streaming(tmp: Path, n_sentences: int, steps: int) -> list[dict]:
    """`lexloom convert` and `lexloom train`, run as the CLI runs them, in child processes."""
    from lexloom.convert import convert
    from test_resume import tiny_config

    big = tmp / "big.conllu"
    start = time.perf_counter()
    write_big_conllu(big, n_sentences)
    rows = [{"step": f"write {n_sentences:,} sentences of CoNLL-U ({big.stat().st_size / 2**20:.0f} MB)",
             "outcome": "ok", "seconds": round(time.perf_counter() - start, 1), "peak_rss_mb": "-"}]
    corpus_dir = tmp / "big-corpus"
    rows.append({"step": "lexloom convert --n-sents 1", **in_child(f"""
        from lexloom.cli import app
        app(["convert", {str(big)!r}, {str(corpus_dir)!r}, "--n-sents", "1"], standalone_mode=False)
        """)})
    big.unlink()
    corpus = corpus_dir / "big.lexloom"
    rows[-1]["output"] = f"{corpus.stat().st_size / 2**20:.0f} MB .lexloom" if corpus.exists() else "none"
    (dev,) = convert(EWT, tmp / "dev", n_sents=1)
    cfg = tiny_config(tmp, corpus, dev=dev, steps=steps, eval_frequency=steps, checkpoint_every=0, shuffle_buffer=10000, init_max_examples=2000)
    rows.append({"step": f"lexloom train, {steps} steps, shuffle_buffer 10000, [initialize] max_examples 2000", **in_child(f"""
        from lexloom.cli import app
        app(["train", {str(cfg)!r}, "--output", {str(tmp / 'big-training')!r}], standalone_mode=False)
        """)})
    shutil.rmtree(corpus_dir, ignore_errors=True)
    shutil.rmtree(tmp / "big-training", ignore_errors=True)
    return rows


# --- 4. resume ---------------------------------------------------------------------------------------
def resume(tmp: Path) -> list[dict]:
    from lexloom.convert import convert
    from lexloom.training.loop import train
    from test_resume import checkpoint_step, log_records, tiny_config, weights

    (corpus,) = convert(EWT, tmp / "resume-corpus", n_sents=1)
    cfg = tiny_config(tmp, corpus, steps=40)
    start = time.perf_counter()
    train(cfg, tmp / "uninterrupted")
    plain_seconds = time.perf_counter() - start
    rows = []
    for kill_after in (7, 18, 33):
        out = tmp / f"killed-{kill_after}"
        proc = subprocess.Popen([sys.executable, "-m", "lexloom", "train", str(cfg), "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while checkpoint_step(out) < kill_after and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = checkpoint_step(out)
        start = time.perf_counter()
        train(cfg, out, resume=True)
        rows.append({
            "killed after checkpoint at step": killed_at,
            "model-last identical": weights(out / "model-last") == weights(tmp / "uninterrupted" / "model-last"),
            "model-best identical": weights(out / "model-best") == weights(tmp / "uninterrupted" / "model-best"),
            "log.jsonl scores identical": log_records(out) == log_records(tmp / "uninterrupted"),
            "resume seconds": round(time.perf_counter() - start, 1),
            "uninterrupted seconds": round(plain_seconds, 1),
        })
    return rows


def table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(" ".join(str(r.get(k, "")).split()).replace("|", "/") for k in keys) + " |" for r in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="fuzzed inputs per entry point")
    parser.add_argument("--sentences", type=int, default=1_000_000, help="sentences of the streamed corpus")
    parser.add_argument("--steps", type=int, default=300, help="training steps on the streamed corpus")
    parser.add_argument("--only", default="fuzz,corpus,huge,stream,resume", help="comma-separated parts to run")
    parser.add_argument("--commands", default="", help=f"corpus part: comma-separated commands to run (default all: {','.join(Commands.names)})")
    parser.add_argument("--tmp", default=None, help="where to put the big temporary files")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    unknown = set(filter(None, args.commands.split(","))) - set(Commands.names)
    if unknown:
        parser.error(f"--commands: no such command {', '.join(sorted(unknown))} (commands: {', '.join(Commands.names)})")
    tmp = Path(tempfile.mkdtemp(prefix="lexloom-reliability-", dir=args.tmp))
    try:
        if "fuzz" in parts:
            print(f"## Fuzzed inputs ({args.examples} per entry point)\n\n{table(fuzz(args.examples, tmp))}\n", flush=True)
        if "corpus" in parts:
            print(f"## Corrupted corpora ({args.examples} per command)\n\n{table(corpus_fuzz(args.examples, tmp, [c for c in args.commands.split(',') if c]))}\n", flush=True)
        if "huge" in parts:
            print(f"## Huge inputs (each in its own process)\n\n{table(huge_inputs(tmp))}\n", flush=True)
        if "stream" in parts:
            print(f"## Streaming a {args.sentences:,}-sentence corpus\n\n{table(streaming(tmp, args.sentences, args.steps))}\n", flush=True)
        if "resume" in parts:
            print(f"## Resume after SIGKILL vs an uninterrupted run (40 steps, CPU)\n\n{table(resume(tmp))}\n", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
