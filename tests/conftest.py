"""What several test files share: a small tok2vec, and one torch thread for small models."""
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


@pytest.fixture
def one_thread():
    """Small models train fastest on one thread, and steadily on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
