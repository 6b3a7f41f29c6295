"""Checkpoints: a run killed at any moment resumes to the same final weights as one never
interrupted, and a kill never leaves a broken `model-best`."""
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.config.init import init_config
from lexloom.convert import convert
from lexloom.errors import ModelLoadError
from lexloom.training.logger import TrainingLogger
from lexloom.training.loop import train

DATA = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def tiny_config(tmp_path: Path, corpus: Path, *, steps: int = 30, dev: Path | None = None, init_max_examples: int = 0, **training) -> Path:
    """Tagger + parser on a tiny CNN tok2vec, with a learning-rate schedule and a growing
    batch size (so that resuming must restore both), ~12 batches an epoch (so that runs
    cross epochs), streaming the corpus through a shuffle buffer. `training` overrides
    [training] keys; `init_max_examples` limits the Examples labels are collected from."""
    cfg = init_config("en", ["tagger", "parser"])
    cfg["components"]["tok2vec"]["model"] = {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 32, "rows": [500, 100, 200, 100],
        "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 32, "depth": 1},
    }
    cfg["components"]["parser"]["model"].update({"arc_hidden": 32, "label_hidden": 16})
    cfg["paths"]["train"] = str(corpus)
    cfg["paths"]["dev"] = str(dev or corpus)
    if init_max_examples:
        cfg["initialize"] = {"max_examples": init_max_examples}
    cfg["corpora"]["dev"]["limit"] = 30
    # Bit-identity holds for one thread count; pin it, whatever an earlier test in this
    # process set.
    cfg["system"]["threads"] = 1
    cfg["training"].update({"max_steps": steps, "eval_frequency": 10, "checkpoint_every": 5, "shuffle_buffer": 40, **training})
    cfg["training"]["optimizer"]["learn_rate"] = {"@schedules": "warmup_linear.v1", "initial_rate": 0.003, "warmup_steps": 5, "total_steps": 60}
    cfg["training"]["batcher"]["size"] = {"@schedules": "compounding.v1", "start": 100, "stop": 250, "compound": 1.05}
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "tiny.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    (path,) = convert(DATA, tmp_path_factory.mktemp("corpus"), n_sents=1)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus):
    """An uninterrupted run of 30 steps."""
    tmp = tmp_path_factory.mktemp("reference")
    cfg = tiny_config(tmp, corpus)
    train(cfg, tmp / "out")
    return cfg, tmp / "out"


def weights(model_dir: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(model_dir.glob("*/model.safetensors"))}


def log_records(out: Path) -> list[dict]:
    """log.jsonl without what depends on the clock."""
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    for r in records:
        r.pop("seconds")
        r["scores"].pop("speed")
    return records


def start_training(cfg: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lexloom", "train", str(cfg), "--output", str(out), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def checkpoint_step(out: Path) -> int:
    state = out / "checkpoint" / "state.json"
    return json.loads(state.read_text())["progress"]["step"] if state.exists() else 0


def test_resume_after_sigkill_is_bit_identical(tmp_path, corpus, reference):
    ref_cfg, ref_out = reference
    out = tmp_path / "out"
    proc = start_training(ref_cfg, out)
    deadline = time.time() + 600  # a bound for a stuck run, far above what a loaded machine needs
    while checkpoint_step(out) < 10 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"training ended before it could be killed: {proc.stderr.read().decode()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = checkpoint_step(out)
    assert 10 <= killed_at < 30
    result = CliRunner().invoke(app, ["train", str(ref_cfg), "--output", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert weights(out / "model-last") == weights(ref_out / "model-last")
    assert weights(out / "model-best") == weights(ref_out / "model-best")
    assert log_records(out) == log_records(ref_out)
    assert [r["step"] for r in log_records(out)] == [10, 20, 30]


def test_resume_with_more_steps_continues_the_same_run(tmp_path, corpus, reference):
    _, ref_out = reference
    # Stopped by max_steps at step 17 (mid-epoch, between checkpoints), then resumed to 30.
    short = tiny_config(tmp_path, corpus, steps=17)
    train(short, tmp_path / "out")
    assert checkpoint_step(tmp_path / "out") == 17
    full = tiny_config(tmp_path, corpus, steps=30)
    train(full, tmp_path / "out", resume=True)
    assert weights(tmp_path / "out" / "model-last") == weights(ref_out / "model-last")
    resumed = {r["step"]: r for r in log_records(tmp_path / "out")}
    for r in log_records(ref_out):
        if r["step"] == 20:  # its losses are summed since the extra evaluation at 17
            r["losses"] = resumed[20]["losses"]
        assert resumed[r["step"]] == r
    # Resuming a finished run does nothing.
    train(full, tmp_path / "out", resume=True)
    assert [r["step"] for r in log_records(tmp_path / "out")] == [10, 17, 20, 30]


def test_kill_at_random_moments_never_breaks_model_best(tmp_path, corpus):
    # Evaluate, save and checkpoint at every step, so that kills land inside the writes.
    cfg = tiny_config(tmp_path, corpus, steps=1000, eval_frequency=1, checkpoint_every=1)
    out = tmp_path / "out"
    rng = random.Random(0)
    proc = start_training(cfg, out)
    last_step = 0
    for _ in range(4):
        deadline = time.time() + 600
        while checkpoint_step(out) <= last_step and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        nlp = lexloom.load(out / "model-best")
        assert nlp.pipe_names == ["tok2vec", "tagger", "parser"]
        assert not list(out.glob(".model-best.old-*"))  # replaced by an atomic exchange, never moved away
        assert checkpoint_step(out) > last_step  # and the next run goes on from a later step
        last_step = checkpoint_step(out)
        proc = start_training(cfg, out, "--resume")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_resume_needs_a_checkpoint(tmp_path, corpus):
    cfg = tiny_config(tmp_path, corpus)
    with pytest.raises(ModelLoadError, match="no checkpoint to resume from"):
        train(cfg, tmp_path / "empty", resume=True)


def test_a_new_run_into_an_old_output_starts_a_new_log(tmp_path, corpus):
    out = tmp_path / "out"
    train(tiny_config(tmp_path, corpus, steps=20), out)
    assert [r["step"] for r in log_records(out)] == [10, 20]
    seen = []

    class Probe(TrainingLogger):
        def step(self):
            if not seen:  # before the new run's first record, the old log is whole
                seen.append([r["step"] for r in log_records(out)])
            super().step()

    train(tiny_config(tmp_path, corpus, steps=10), out, logger=Probe(progress_bar=False))
    assert seen == [[10, 20]]
    assert [r["step"] for r in log_records(out)] == [10]
    assert not list(out.glob(".log.jsonl.*"))
    # --resume goes on with the log it has
    train(tiny_config(tmp_path, corpus, steps=20), out, resume=True)
    assert [r["step"] for r in log_records(out)] == [10, 20]


def test_a_run_ended_by_the_time_limit_resumes_to_nothing(tmp_path, corpus):
    # A limit of 6 ms ends the run after its first step.
    cfg = tiny_config(tmp_path, corpus, steps=1000, max_minutes=0.0001)
    out = tmp_path / "out"
    train(cfg, out)
    step = checkpoint_step(out)
    before = weights(out / "model-last"), log_records(out)
    assert 1 <= step < 1000 and [r["step"] for r in before[1]] == [step]
    train(cfg, out, resume=True)
    assert checkpoint_step(out) == step
    assert (weights(out / "model-last"), log_records(out)) == before
