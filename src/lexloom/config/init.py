"""Build complete training configs: `lexloom init config` and `lexloom init fill-config`."""
from __future__ import annotations

import json
from typing import Sequence

from confection import Config

from ..errors import ConfigError

TRAINING_DEFAULTS = """
[paths]
train = null
dev = null
raw_text = null
init_tok2vec = null

[system]
seed = 0
gpu_id = -1
threads = 0

[corpora]

[corpora.train]
@readers = "lexloom.Corpus.v1"
path = ${paths.train}
max_length = 0

[corpora.dev]
@readers = "lexloom.Corpus.v1"
path = ${paths.dev}
max_length = 0

[training]
seed = ${system.seed}
dropout = 0.1
accumulate_gradient = 1
patience = 1600
max_epochs = 0
max_steps = 20000
max_minutes = 0
eval_frequency = 200
frozen_components = []
rehearse_ratio = 0.0
checkpoint_every = 0
shuffle_buffer = 0
# "bf16": bfloat16 autocast on GPU (no effect on CPU)
mixed_precision = false
score_weights = {}

[training.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 0.00000001
learn_rate = 0.001

[training.batcher]
@batchers = "batch_by_words.v1"
tolerance = 0.2
discard_oversize = false

[training.batcher.size]
@schedules = "compounding.v1"
start = 100
stop = 1000
compound = 1.001
t = 0.0

[initialize]
max_examples = 0

[training.logger]
@loggers = "lexloom.ConsoleLogger.v1"
progress_bar = true

[pretraining]
component = "tok2vec"
raw_text = ${paths.raw_text}
seed = ${system.seed}
max_epochs = 10
dropout = 0.2
n_save_every = 0

[pretraining.objective]
type = "characters"
n_characters = 4
hidden = 300
maxout_pieces = 3
mask_probability = 0.15

[pretraining.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2 = 0.01
grad_clip = 1.0
use_averages = false
eps = 0.00000001
learn_rate = 0.001

[pretraining.batcher]
@batchers = "batch_by_words.v1"
size = 3000
tolerance = 0.2
discard_oversize = false
"""

WIDTH_REF = "${components.tok2vec.model.width}"
INIT_REF = "${paths.init_tok2vec}"
# Components that listen to the shared tok2vec. Text classifiers keep their own, which
# reads only the first `max_tokens` of long texts (a listener would encode them whole).
SHARED_TOK2VEC = {"tagger", "morphologizer", "trainable_lemmatizer", "parser", "senter", "ner"}


def encoder_config(optimize: str, width: int) -> dict:
    if optimize == "accuracy":
        return {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": width, "hidden": 200, "depth": 2, "dropout": 0.2}
    return {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": width, "depth": 4, "window_size": 1, "maxout_pieces": 3, "dropout": 0.1}


def init_config(lang: str, pipeline: Sequence[str], *, optimize: str = "efficiency", gpu: bool = False) -> Config:
    """A complete config for `pipeline` with one shared tok2vec and every default filled in."""
    from ..lang import check_language_code
    from ..language import Language
    from ..pipeline.base import FACTORY_DEFAULTS

    check_language_code(lang)
    if optimize not in ("efficiency", "accuracy"):
        raise ConfigError(f"--optimize must be efficiency or accuracy, not {optimize!r}")
    unknown = [p for p in pipeline if p not in FACTORY_DEFAULTS]
    if unknown:
        raise ConfigError(f"unknown component(s) {unknown}; available: {', '.join(sorted(FACTORY_DEFAULTS))}")
    width = 256 if optimize == "accuracy" else 96
    names = ["tok2vec"] + [p for p in pipeline if p != "tok2vec"]
    components: dict[str, dict] = {
        "tok2vec": {
            "factory": "tok2vec",
            "init_weights": INIT_REF,
            "model": {
                "@architectures": "lexloom.Tok2Vec.v1",
                "width": width,
                "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                "rows": [20000, 2000, 10000, 2000] if optimize == "accuracy" else [5000, 1000, 2500, 2500],
                "encoder": encoder_config(optimize, width),
            },
        }
    }
    for name in names[1:]:
        cfg = json.loads(json.dumps(FACTORY_DEFAULTS[name]))
        if name in SHARED_TOK2VEC and "tok2vec" in cfg.get("model", {}):
            cfg["model"]["tok2vec"] = {"@architectures": "lexloom.Tok2VecListener.v1", "width": WIDTH_REF}
        cfg["factory"] = name
        components[name] = cfg
    config = Config().from_str(TRAINING_DEFAULTS, interpolate=False)
    config["nlp"] = {"lang": lang, "pipeline": names}
    config["components"] = components
    config["system"]["gpu_id"] = 0 if gpu else -1
    # Listeners follow the tok2vec's width through an (unquoted) interpolation.
    text = fill_config(config).to_str(interpolate=False)
    for ref in (WIDTH_REF, INIT_REF):
        text = text.replace(f'"{ref}"', ref)
    return Config().from_str(text, interpolate=False)


def fill_config(config: Config) -> Config:
    """Complete a partial config: training defaults, and each component's defaults under what it sets."""
    from ..language import _deep_merge
    from ..pipeline.base import FACTORY_DEFAULTS

    base = Config().from_str(TRAINING_DEFAULTS, interpolate=False)
    filled = Config(_deep_merge(dict(base), dict(config)))
    for name, cfg in filled.get("components", {}).items():
        factory = cfg.get("factory")
        if factory in FACTORY_DEFAULTS:
            filled["components"][name] = _deep_merge(FACTORY_DEFAULTS[factory], cfg)
    if "nlp" not in filled:
        raise ConfigError("config has no [nlp] section")
    filled["nlp"].setdefault("lang", "en")
    filled["nlp"].setdefault("pipeline", list(filled.get("components", {})))
    return Config(filled)
