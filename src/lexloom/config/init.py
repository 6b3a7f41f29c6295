"""Build complete training configs: `lexloom init config` and `lexloom init fill-config`."""
from __future__ import annotations

import re
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
auxiliary_components = []
rehearse_ratio = 0.0
checkpoint_every = 0
shuffle_buffer = 0
# "bf16": bfloat16 autocast on GPU (no effect on CPU)
mixed_precision = false
unannotated = "error"
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



def init_config(lang: str, pipeline: Sequence[str], *, optimize: str = "efficiency", gpu: bool = False) -> Config:
    """A complete config for `pipeline` with one shared tok2vec and every default filled in.

    Each component comes with its factory's config (its `optimize` preset, where it has
    one); a component whose factory `listens` reads the shared tok2vec, whose width it
    follows through an interpolation."""
    from ..lang import check_language_code
    from ..pipeline.base import DEFAULT_UPSTREAM
    from ..pipeline.factories import get_factory_meta, has_factory

    check_language_code(lang)
    if optimize not in ("efficiency", "accuracy"):
        raise ConfigError(f"--optimize must be efficiency or accuracy, not {optimize!r}")
    unknown = [p for p in pipeline if not has_factory(p)]
    if unknown:
        from ..pipeline.factories import FACTORIES

        raise ConfigError(f"unknown component(s) {unknown}; available: {', '.join(sorted(FACTORIES))}")
    names = [DEFAULT_UPSTREAM] + [p for p in pipeline if p != DEFAULT_UPSTREAM]
    components: dict[str, dict] = {}
    for name in names:
        meta = get_factory_meta(name)
        cfg = {"factory": name, **meta.config(optimize)}
        if meta.listens and "tok2vec" in cfg.get("model", {}):
            width = f"${{components.{DEFAULT_UPSTREAM}.model.width}}"
            cfg["model"]["tok2vec"] = {"@architectures": "lexloom.Tok2VecListener.v1", "width": width}
        components[name] = cfg
    config = Config().from_str(TRAINING_DEFAULTS, interpolate=False)
    config["nlp"] = {"lang": lang, "pipeline": names, "quantize": False}
    config["components"] = components
    config["system"]["gpu_id"] = 0 if gpu else -1
    # References to other values (the listeners' width, the tok2vec's init_weights) are
    # written unquoted, so that confection interpolates them.
    text = re.sub(r'"(\$\{[\w.]+\})"', r"\1", fill_config(config).to_str(interpolate=False))
    return Config().from_str(text, interpolate=False)


def fill_config(config: Config) -> Config:
    """Complete a partial config: training defaults, and each component's defaults under what it sets."""
    from ..pipeline.factories import deep_merge, has_factory, fill_defaults

    base = Config().from_str(TRAINING_DEFAULTS, interpolate=False)
    filled = Config(deep_merge(dict(base), dict(config)))
    for name, cfg in filled.get("components", {}).items():
        factory = cfg.get("factory")
        if has_factory(factory):
            filled["components"][name] = fill_defaults(factory, cfg)
    if "nlp" not in filled:
        raise ConfigError("config has no [nlp] section")
    filled["nlp"].setdefault("lang", "en")
    filled["nlp"].setdefault("pipeline", list(filled.get("components", {})))
    filled["nlp"].setdefault("quantize", False)  # int8 inference on CPU once loaded (Language.quantize)
    return Config(filled)
