"""Data-parallel training on CPU with 2 processes (gloo) against one process on the same data."""
import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.convert import convert

DATA = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def write_config(tmp_path, corpus):
    from lexloom.config.init import init_config

    cfg = init_config("en", ["tagger"])
    cfg["components"]["tok2vec"]["model"]["encoder"]["depth"] = 2
    cfg["paths"]["train"] = str(corpus)
    cfg["paths"]["dev"] = str(corpus)
    cfg["system"]["threads"] = 1
    cfg["training"].update({"max_steps": 80, "eval_frequency": 40, "dropout": 0.1, "patience": 0})
    cfg["training"]["optimizer"]["learn_rate"] = 0.005
    cfg["training"]["batcher"]["size"] = {"@schedules": "compounding.v1", "start": 300, "stop": 300, "compound": 1.0}
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "tagger.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


def final_scores(out: Path) -> dict:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()][-1]["scores"]


def test_two_processes_match_one(tmp_path):
    (corpus,) = convert(DATA, tmp_path / "corpus", n_sents=1)
    cfg = write_config(tmp_path, corpus)
    runner = CliRunner()
    single, double = tmp_path / "one", tmp_path / "two"
    result = runner.invoke(app, ["train", str(cfg), "--output", str(single)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["train", str(cfg), "--output", str(double), "--nproc", "2"])
    assert result.exit_code == 0, result.output
    # rank 0 alone logged: one record per evaluation
    assert [json.loads(line)["step"] for line in (double / "log.jsonl").read_text().splitlines()] == [40, 80]
    nlp = lexloom.load(double / "model-best")
    assert nlp.pipe_names == ["tok2vec", "tagger"]
    one, two = final_scores(single)["tag_acc"], final_scores(double)["tag_acc"]
    assert one > 0.9 and abs(one - two) < 0.005, (one, two)


def test_stopping_the_launcher_stops_its_processes():
    # what a workflow engine does to a stage it cancels: SIGTERM to the command it started
    launcher = subprocess.Popen([sys.executable, "-c", "import time; from lexloom.training.distributed import launch; launch(2, time.sleep, 300)"])
    workers: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = [p for p in psutil.Process(launcher.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    try:
        assert len(workers) == 2, "the two processes did not start"
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 128 + signal.SIGTERM
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"processes still running after their launcher stopped: {alive}"
    finally:  # nothing left running if an assertion failed
        launcher.kill()
        for process in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


def test_a_stop_while_the_processes_start_waits_for_them_and_stops_them(monkeypatch):
    # the launcher may be stopped between starting its processes and waiting on them: with
    # SIGTERM's default action it would die there and leave them running, unwaited for
    import torch.multiprocessing

    from lexloom.training.distributed import launch

    class Process:
        def __init__(self):
            self.alive = True

        def is_alive(self):
            return self.alive

        def terminate(self):
            self.alive = False

        def join(self):
            pass

    class Context:
        processes = [Process(), Process()]

        def join(self):
            raise AssertionError("the launcher waited on its processes after it was told to stop")

    def start_processes(*args, **kwargs):
        signal.raise_signal(signal.SIGTERM)  # the workflow engine cancels the stage now
        return Context()

    reached_default = []
    previous = signal.signal(signal.SIGTERM, lambda *_: reached_default.append(True))  # stands in for the default: dying
    try:
        monkeypatch.setattr(torch.multiprocessing, "start_processes", start_processes)
        with pytest.raises(SystemExit) as stopped:
            launch(2, time.sleep, 300)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not reached_default, "SIGTERM reached the launcher before its handler was set"
    assert stopped.value.code == 128 + signal.SIGTERM
    assert not any(process.alive for process in Context.processes)
