"""What several test files share: a small tok2vec, one torch thread for small models, and
`--seed-shift`, which checks trained figures against other draws of the seeds."""
import importlib.util
import os
from pathlib import Path

import pytest
import torch

# A tok2vec small enough to train in seconds on the test slices.
SMALL_TOK2VEC = {
    "@architectures": "lexloom.Tok2Vec.v1",
    "width": 64,
    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
    "rows": [2000, 500, 1000, 500],
    "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 64, "depth": 2},
}


@pytest.fixture(scope="session")
def joined_uner_sample(tmp_path_factory) -> Path:
    """The bundled UNER train slice with UD English-EWT's tags and trees joined to its
    sentences, as the workflow's convert_ner makes it (`lexloom convert --join`)."""
    from lexloom.convert import convert

    sample = Path(__file__).parent.parent / "assets" / "sample"
    (path,) = convert(
        sample / "UNER_English-EWT" / "en_ewt-ud-train.iob2",
        tmp_path_factory.mktemp("joined"),
        join=sample / "UD_English-EWT" / "en_ewt-ud-train.conllu",
    )
    return path


@pytest.fixture
def one_thread():
    """Small models train fastest on one thread, and steadily on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- a different machine, simulated ------------------------------------------------------------
# Training is bit-identical on one machine but not across CPUs (torch picks other kernels), and
# over hundreds of steps that drift acts like a new seed. `--seed-shift N` (or LEXLOOM_SEED_SHIFT)
# adds N to every seed given to torch, numpy and random, in this process and in every Python
# process the suite starts (seed_shift/sitecustomize.py), so a threshold on a trained figure can be
# checked against other draws: it must hold for them too (`make test-stress` runs one).
SEED_SHIFT_DIR = Path(__file__).parent / "seed_shift"


def pytest_addoption(parser):
    parser.addoption("--seed-shift", type=int, default=int(os.environ.get("LEXLOOM_SEED_SHIFT", "0")),
                     help="add this to every seed (simulates the float drift of another CPU)")


def pytest_configure(config):
    shift = config.getoption("--seed-shift")
    if not shift:
        return
    os.environ["LEXLOOM_SEED_SHIFT"] = str(shift)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SEED_SHIFT_DIR), os.environ.get("PYTHONPATH")) if p)
    # This process started before the variable was set: load the same file into it.
    spec = importlib.util.spec_from_file_location("lexloom_seed_shift", SEED_SHIFT_DIR / "sitecustomize.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def pytest_report_header(config):
    shift = config.getoption("--seed-shift")
    return f"seed shift: {shift} (seeds given to torch, numpy and random are moved by it)" if shift else None
