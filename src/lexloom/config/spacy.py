"""Configs written for spaCy v3 (`spacy init config`), read as lexloom's.

The two share a config's shape ([paths], [system], [nlp], [components], [corpora], [training],
[initialize]) and most of its names: the batcher, the schedules, `Adam.v1`, the score names,
the factories. What differs is translated here, once, where a config is loaded (`load_config`),
so everything after it sees a lexloom config, and a pipeline trained from a spaCy config saves
a lexloom one:

- spaCy's registered functions become lexloom's: `spacy.Tok2Vec.v2` with its `embed` and
  `encode` becomes `lexloom.Tok2Vec.v1` with its `encoder`, `spacy.TransitionBasedParser.v2`
  a biaffine parser or an entity recognizer (by its `state_type`), and so on (`_ARCHITECTURES`);
- settings that mean nothing here (`gpu_allocator`, the transition system's `moves`, the
  scorers) are dropped where they hold a value that changes nothing, and are an error where
  they would change what is trained: a callback or a setting is never silently ignored.

One warning lists what was dropped. A name of spaCy's with no counterpart here (a character
embedding, a transformer) is an error naming its section.
"""
from __future__ import annotations

import json
import re
import warnings
from typing import Any, Callable

from ..errors import ConfigError


class SpacyConfigWarning(UserWarning):
    """A spaCy config was read as lexloom's; the message lists the settings dropped."""


_ANY = object()  # a dropped setting whose value does not matter here

# Settings of spaCy's factories that lexloom's do not take, by factory: dropped when they hold
# the value given (or any value, _ANY); any other value is an error. A factory of the user's
# own (`--code`) keeps its settings.
_SCORER = {"scorer": _ANY}  # lexloom's components score themselves
_TRANSITIONS = {"moves": None, "update_with_oracle_cut_size": _ANY}  # lexloom's parser and NER are not transition-based
_FACTORY_SETTINGS: dict[str, dict[str, Any]] = {
    "tok2vec": {},
    "tagger": {**_SCORER, "overwrite": _ANY, "neg_prefix": _ANY},
    "morphologizer": {**_SCORER, "overwrite": _ANY, "extend": _ANY},
    "trainable_lemmatizer": {**_SCORER, "overwrite": _ANY, "backoff": _ANY},
    "parser": {**_SCORER, **_TRANSITIONS, "learn_tokens": False, "min_action_freq": _ANY},
    "ner": {**_SCORER, **_TRANSITIONS, "incorrect_spans_key": None},
    "senter": _SCORER,
    "sentencizer": _SCORER,
    # spaCy scores a single-label textcat with a threshold; lexloom's takes the top class
    "textcat": {**_SCORER, "threshold": _ANY},
    "textcat_multilabel": _SCORER,
    "entity_ruler": {**_SCORER, "validate": _ANY, "ent_id_sep": _ANY},
}

# Top-level settings of spaCy's with no meaning here, and the values they may hold.
_SECTION_SETTINGS: dict[str, dict[str, Any]] = {
    "system": {"gpu_allocator": _ANY},  # torch manages GPU memory
    "nlp": {"batch_size": _ANY, "before_creation": None, "after_creation": None, "after_pipeline_creation": None, "vectors": _ANY},
    "training": {
        "gpu_allocator": _ANY, "annotating_components": [], "before_to_disk": None, "before_update": None,
    },  # dev_corpus and train_corpus: `_corpora`
    "initialize": {"vectors": None, "vocab_data": None, "lookups": None, "before_init": None, "after_init": None, "tokenizer": {}, "components": {}},
}

# Why a setting above can hold only what it holds, where that is more than "no such setting"
_HINTS = {
    "vectors": "spaCy's vectors (a pipeline or its vectors directory) cannot be read; lexloom reads static vectors from a text file, `vectors` in lexloom.Tok2Vec.v1",
    "annotating_components": "lexloom's components learn from the gold annotation, never from another component's predictions",
    "moves": "lexloom's parser and entity recognizer are not transition-based",
    "learn_tokens": "lexloom's parser does not retokenize",
    "L2_is_weight_decay": "lexloom's L2 is decoupled weight decay (AdamW)",
    "get_length": "lexloom's batchers count words",
}

_REF = re.compile(r"\$\{([\w.]+)\}")


def is_spacy_config(config: dict) -> bool:
    """Whether a config names any of spaCy's registered functions (`@architectures = "spacy.…"`)."""
    return any(name.startswith("spacy.") for _, name in _functions(config))


def _functions(node: Any, where: str = "") -> list[tuple[str, str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("@") and isinstance(value, str):
                found.append((where, value))
            elif isinstance(value, dict):
                found.extend(_functions(value, f"{where}.{key}" if where else key))
    return found


class _Translation:
    def __init__(self, config: dict, where: str):
        self.config = config
        self.where = where
        self.dropped: dict[str, list[str]] = {}  # section -> its settings dropped
        self.renamed: dict[str, str] = {}  # dotted path in spaCy's config -> in lexloom's

    def error(self, section: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: [{section}] {message} (a spaCy config, read as lexloom's: see docs/spacy-users.md)")

    def value(self, value: Any) -> Any:
        """A value with a whole-string reference (`${paths.vectors}`) followed."""
        seen = set()
        while isinstance(value, str) and (m := _REF.fullmatch(value)) and value not in seen:
            seen.add(value)
            node: Any = self.config
            for part in m.group(1).split("."):
                if not isinstance(node, dict) or part not in node:
                    return value
                node = node[part]
            value = node
        return value

    def drop(self, section: str, node: dict, allowed: dict[str, Any]) -> None:
        """Drop `node`'s settings named in `allowed`, each if its value changes nothing here."""
        for key in [k for k in node if k in allowed]:
            want, got = allowed[key], self.value(node[key])
            if want is not _ANY and got != want and not (want in ({}, []) and not got):
                why = _HINTS.get(key) or ("callbacks are not run" if key.startswith(("before_", "after_")) else "lexloom has no such setting")
                raise self.error(section, f"{key} = {json.dumps(got, default=str)}: only {json.dumps(want)} can be read here ({why})")
            del node[key]
            self.dropped_setting(section, key)

    def dropped_setting(self, section: str, key: str) -> None:
        self.dropped.setdefault(section, []).append(key)

    def rename(self, old: str, new: str) -> None:
        self.renamed[old] = new


def from_spacy(config: dict, where: str = "config") -> dict:
    """`config` (a spaCy config, uninterpolated: `${...}` references still strings) as lexloom's,
    in place; warns once with what was dropped. See the module's docstring."""
    t = _Translation(config, where)
    for section, allowed in _SECTION_SETTINGS.items():
        if isinstance(config.get(section), dict):
            t.drop(section, config[section], allowed)
    _corpora(t)
    _initialize(t)
    _pretraining(t)
    pipeline = list((config.get("nlp") or {}).get("pipeline") or [])
    for name, component in (config.get("components") or {}).items():
        if isinstance(component, dict):
            _component(t, name, component, pipeline)
    _functions_everywhere(t, config, "")
    _rewrite_references(config, t.renamed)
    left = [(w, n) for w, n in _functions(config) if n.startswith("spacy.")]
    if left:
        section, name = left[0]
        raise t.error(section, f"{name!r} has no counterpart in lexloom")
    if t.dropped:
        listed = "; ".join(f"[{section}] {', '.join(keys)}" for section, keys in t.dropped.items())
        warnings.warn(f"{where}: a spaCy config, read as lexloom's; settings dropped (docs/spacy-users.md says why): {listed}", SpacyConfigWarning, stacklevel=3)
    return config


def _corpora(t: _Translation) -> None:
    """`[training] dev_corpus = "corpora.x"`: lexloom reads [corpora.train] and [corpora.dev]."""
    training, corpora = t.config.get("training") or {}, t.config.get("corpora") or {}
    for key in ("train", "dev"):
        named = training.pop(f"{key}_corpus", None)
        if named is None:
            continue
        named = t.value(named)
        source = named.removeprefix("corpora.") if isinstance(named, str) else None
        if source is None or source not in corpora:
            raise t.error("training", f"{key}_corpus = {named!r}: expected the name of a [corpora.*] section")
        if source != key:
            corpora[key] = corpora.pop(source)
            t.rename(f"corpora.{source}", f"corpora.{key}")
        else:
            t.dropped_setting("training", f"{key}_corpus")


def _initialize(t: _Translation) -> None:
    """`[initialize] init_tok2vec` (the weights `pretrain` wrote, `${paths.init_tok2vec}` as
    spaCy writes it): the pretrained component's `init_weights`."""
    init = t.config.get("initialize")
    if not isinstance(init, dict) or "init_tok2vec" not in init:
        return
    weights = init.pop("init_tok2vec")
    name = (t.config.get("pretraining") or {}).get("component", "tok2vec")
    component = (t.config.get("components") or {}).get(name)
    if isinstance(component, dict):
        component["init_weights"] = weights
    elif t.value(weights) is None:
        t.dropped_setting("initialize", "init_tok2vec")
    else:
        raise t.error("initialize", f"init_tok2vec is set, but there is no [components.{name}] to load it into")


def _pretraining(t: _Translation) -> None:
    """spaCy's [pretraining] reads its text through `corpus = "corpora.pretrain"` (a JSONL corpus of
    {"text": ...}); lexloom's reads the file `raw_text` itself (JSONL or plain text)."""
    P = t.config.get("pretraining")
    if not isinstance(P, dict):
        return
    if not P:
        del t.config["pretraining"]  # `spacy init config` without --pretraining writes it empty
        return
    t.drop("pretraining", P, {"layer": "", "n_save_epoch": None})
    if t.value(P.get("n_save_every")) is None:
        P["n_save_every"] = 0
    named = t.value(P.pop("corpus", "corpora.pretrain"))
    corpora = t.config.get("corpora") or {}
    corpus = corpora.pop(named.removeprefix("corpora."), None) if isinstance(named, str) else None
    if not isinstance(corpus, dict) or "path" not in corpus:
        raise t.error("pretraining", f"corpus = {named!r}: expected the name of a [corpora.*] section with the raw text's path")
    corpus.pop("@readers", None)
    t.drop(named, corpus, {"min_length": _ANY, "max_length": _ANY, "limit": 0})
    P["raw_text"] = corpus.pop("path")
    objective = P.get("objective")
    if isinstance(objective, dict):
        name = objective.pop("@architectures", None)
        if name != "spacy.PretrainCharacters.v1":
            raise t.error("pretraining.objective", f"{name!r}: lexloom pretrains on characters (spacy.PretrainCharacters.v1); predicting word vectors is not implemented")
        P["objective"] = {"type": "characters", **_args(objective, "n_characters", "maxout_pieces")}
        if "hidden_size" in objective:
            P["objective"]["hidden"] = objective["hidden_size"]


def _component(t: _Translation, name: str, component: dict, pipeline: list[str]) -> None:
    section = f"components.{name}"
    if isinstance(component.get("model"), dict):
        component["model"] = _model(t, f"{section}.model", component["model"], name, pipeline)
    factory = component.get("factory")
    if isinstance(factory, str) and factory in _FACTORY_SETTINGS:
        t.drop(section, component, _FACTORY_SETTINGS[factory])


def _model(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    """A model section, translated; its sub-models (tok2vec, embed, encode) are too."""
    name = model.get("@architectures")
    translate = _ARCHITECTURES.get(name) if isinstance(name, str) else None
    if translate is None:
        for key, value in list(model.items()):
            if isinstance(value, dict) and "@architectures" in value:
                model[key] = _model(t, f"{section}.{key}", value, component, pipeline)
        return model
    return translate(t, section, model, component, pipeline)


def _args(model: dict, *keys: str) -> dict:
    return {k: model[k] for k in keys if k in model}


def _tok2vec(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    embed, encode = model.get("embed"), model.get("encode")
    if not isinstance(embed, dict) or not isinstance(encode, dict):
        raise t.error(section, f"{model['@architectures']} needs [{section}.embed] and [{section}.encode]")
    if embed.get("@architectures") not in ("spacy.MultiHashEmbed.v1", "spacy.MultiHashEmbed.v2"):
        raise t.error(f"{section}.embed", f"{embed.get('@architectures')!r} has no counterpart in lexloom (spacy.MultiHashEmbed.v2 has)")
    if t.value(embed.get("include_static_vectors", False)):
        raise t.error(f"{section}.embed", "include_static_vectors = true: spaCy's vectors cannot be read; lexloom reads a vectors file from `vectors` in lexloom.Tok2Vec.v1")
    out = {"@architectures": "lexloom.Tok2Vec.v1", "width": encode.get("width")}
    out.update(_args(embed, "attrs", "rows"))
    for key in ("attrs", "rows"):
        t.rename(f"{section}.embed.{key}", f"{section}.{key}")
    if "width" in embed and t.value(embed["width"]) != t.value(encode.get("width")):
        out["embed_width"] = embed["width"]
        t.rename(f"{section}.embed.width", f"{section}.embed_width")
    else:
        t.rename(f"{section}.embed.width", f"{section}.width")
    out["encoder"] = _encoder(t, f"{section}.encode", encode)
    t.rename(f"{section}.encode", f"{section}.encoder")
    return out


def _encoder(t: _Translation, section: str, encode: dict) -> dict:
    name = encode.get("@architectures")
    if name in ("spacy.MaxoutWindowEncoder.v1", "spacy.MaxoutWindowEncoder.v2"):
        return {"@architectures": "lexloom.MaxoutWindowEncoder.v1", **_args(encode, "width", "depth", "window_size", "maxout_pieces")}
    if name == "spacy.TorchBiLSTMEncoder.v1":
        # spaCy's BiLSTM is `width` wide, each direction half of it
        width = t.value(encode.get("width"))
        if not isinstance(width, int):
            raise t.error(section, f"width = {width!r}: expected a whole number")
        return {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": encode["width"], "hidden": width // 2, **_args(encode, "depth", "dropout")}
    raise t.error(section, f"{name!r} has no counterpart in lexloom (spacy.MaxoutWindowEncoder.v2 and spacy.TorchBiLSTMEncoder.v1 have)")


def _hash_embed_cnn(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    if t.value(model.get("pretrained_vectors")):
        raise t.error(section, "pretrained_vectors: spaCy's vectors cannot be read; lexloom reads a vectors file from `vectors` in lexloom.Tok2Vec.v1")
    size = t.value(model.get("embed_size", 2000))
    subwords = t.value(model.get("subword_features", True))
    return {
        "@architectures": "lexloom.Tok2Vec.v1",
        "width": model.get("width"),
        "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"] if subwords else ["NORM"],
        "rows": [size, size // 2, size // 2, size // 2] if subwords else [size],
        "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": model.get("width"), **_args(model, "depth", "window_size", "maxout_pieces")},
    }


def _listener(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    """spaCy's `upstream = "*"` is the nearest tok2vec before the listener; lexloom names it."""
    upstream = t.value(model.get("upstream", "*"))
    if upstream == "*":
        factories = {n: (t.config.get("components") or {}).get(n, {}).get("factory") for n in pipeline}
        before = pipeline[: pipeline.index(component)] if component in pipeline else pipeline
        candidates = [n for n in reversed(before) if factories.get(n) == "tok2vec"] or [n for n in pipeline if factories.get(n) == "tok2vec"]
        if not candidates:
            raise t.error(section, "upstream = \"*\", but the pipeline has no tok2vec component to listen to")
        upstream = candidates[0]
    return {"@architectures": "lexloom.Tok2VecListener.v1", "width": model.get("width"), "upstream": upstream}


def _sub(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    tok2vec = model.get("tok2vec")
    if not isinstance(tok2vec, dict):
        raise t.error(section, f"{model.get('@architectures')} needs [{section}.tok2vec]")
    return _model(t, f"{section}.tok2vec", tok2vec, component, pipeline)


def _tagger(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    return {"@architectures": "lexloom.Tagger.v1", "tok2vec": _sub(t, section, model, component, pipeline)}


def _transition_based(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    """spaCy's parser and NER share a transition-based model; lexloom's are a biaffine parser and
    a BILUO tagger with constrained decoding, each with its own defaults."""
    state = t.value(model.get("state_type"))
    tok2vec = _sub(t, section, model, component, pipeline)
    if state == "parser":
        return {"@architectures": "lexloom.BiaffineParser.v1", "tok2vec": tok2vec}
    if state == "ner":
        return {"@architectures": "lexloom.EntityRecognizer.v1", "tok2vec": tok2vec, **({"hidden": model["hidden_width"]} if "hidden_width" in model else {})}
    raise t.error(section, f"state_type = {state!r}: expected \"parser\" or \"ner\"")


def _textcat_bow(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    out = {"@architectures": "lexloom.TextCatBOW.v1", **_args(model, "ngram_size")}
    if "length" in model:
        out["n_buckets"] = model["length"]
    return out


def _textcat_ensemble(t: _Translation, section: str, model: dict, component: str, pipeline: list[str]) -> dict:
    out = {"@architectures": "lexloom.TextCatEnsemble.v1", "tok2vec": _sub(t, section, model, component, pipeline)}
    linear = model.get("linear_model")
    if isinstance(linear, dict):
        out.update(_args(linear, "ngram_size"))
        if "length" in linear:
            out["n_buckets"] = linear["length"]
    return out


_Translate = Callable[[_Translation, str, dict, str, list], dict]

_ARCHITECTURES: dict[str, _Translate] = {
    **{f"spacy.Tok2Vec.v{v}": _tok2vec for v in (1, 2)},
    **{f"spacy.HashEmbedCNN.v{v}": _hash_embed_cnn for v in (1, 2)},
    "spacy.Tok2VecListener.v1": _listener,
    **{f"spacy.Tagger.v{v}": _tagger for v in (1, 2)},
    **{f"spacy.TransitionBasedParser.v{v}": _transition_based for v in (1, 2, 3)},
    **{f"spacy.TextCatBOW.v{v}": _textcat_bow for v in (1, 2, 3)},
    "spacy.TextCatEnsemble.v2": _textcat_ensemble,
}

# Registered functions other than architectures: lexloom's name, and the settings spaCy's has
# that lexloom's does not take (dropped where they hold the value given).
_FUNCTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "spacy.Corpus.v1": ("lexloom.Corpus.v1", {}),  # gold_preproc: below
    "spacy.batch_by_words.v1": ("batch_by_words.v1", {"get_length": None}),
    "spacy.batch_by_sequence.v1": ("batch_by_sequence.v1", {"get_length": None}),
    "spacy.batch_by_padded.v1": ("batch_by_padded.v1", {"get_length": None}),
    **{f"spacy.ConsoleLogger.v{v}": ("lexloom.ConsoleLogger.v1", {"console_output": _ANY, "output_file": None}) for v in (1, 2, 3)},
    "spacy.Tokenizer.v1": ("lexloom.Tokenizer.v1", {}),
    "Adam.v1": ("Adam.v1", {"L2_is_weight_decay": True}),  # lexloom's L2 is decoupled weight decay (AdamW)
}


def _functions_everywhere(t: _Translation, node: dict, where: str) -> None:
    for key, value in list(node.items()):
        if not isinstance(value, dict):
            continue
        section = f"{where}.{key}" if where else key
        at = next((k for k in value if k.startswith("@")), None)
        name = value[at] if at else None
        if name in _FUNCTIONS:
            new, extra = _FUNCTIONS[name]
            t.drop(section, value, extra)
            if name == "spacy.Corpus.v1" and "gold_preproc" in value:
                # one Example per sentence, with the gold sentences: spaCy's gold-preprocessed corpus
                if t.value(value.pop("gold_preproc")):
                    value["per_sentence"] = value["gold_sents"] = True
            value[at] = new
        _functions_everywhere(t, value, section)


def _rewrite_references(node: dict, renamed: dict[str, str]) -> None:
    if not renamed:
        return
    longest_first = sorted(renamed, key=len, reverse=True)

    def rewrite(match: re.Match) -> str:
        path = match.group(1)
        for old in longest_first:
            if path == old or path.startswith(old + "."):
                return "${" + renamed[old] + path[len(old):] + "}"
        return match.group(0)

    for key, value in node.items():
        if isinstance(value, dict):
            _rewrite_references(value, renamed)
        elif isinstance(value, str):
            node[key] = _REF.sub(rewrite, value)
