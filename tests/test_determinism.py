"""Two trainings of one config, data and seed on CPU give the same bytes, and meta.json says which."""
import hashlib
import json

from lexloom.convert import convert
from lexloom.training.loop import train
from test_resume import DATA, log_records, tiny_config, weights


def test_same_config_data_and_seed_give_identical_weights_and_metrics(tmp_path):
    (corpus,) = convert(DATA, tmp_path / "corpus", n_sents=1)
    cfg = tiny_config(tmp_path, corpus, steps=10, eval_frequency=5, shuffle_buffer=0)  # the in-memory path
    first, second = train(cfg, tmp_path / "first"), train(cfg, tmp_path / "second")
    for model in ("model-best", "model-last"):
        assert weights(first / model) == weights(second / model)
        metas = [json.loads((out / model / "meta.json").read_text()) for out in (first, second)]
        for key in ("data", "config_sha256", "weights_sha256", "seed"):
            assert metas[0][key] == metas[1][key], key
        on_disk = {name: hashlib.sha256(data).hexdigest() for name, data in weights(first / model).items()}
        assert metas[0]["weights_sha256"] == on_disk
        assert set(on_disk) == {"tok2vec", "tagger", "parser"}
        assert metas[0]["data"]["train"] == hashlib.sha256(corpus.read_bytes()).hexdigest()
    assert log_records(first) == log_records(second)
    assert [r["step"] for r in log_records(first)] == [5, 10]
    # a different seed gives different weights (the test can tell runs apart)
    other = train(cfg, tmp_path / "other", overrides={"system.seed": 1})
    assert weights(other / "model-last") != weights(first / "model-last")
