"""Language: the tokenizer plus the pipeline of components, and the verbs that run them."""
from __future__ import annotations

import collections
import contextlib
import functools
import importlib
import io
import itertools
import json
import random
import tempfile
import zipfile
import zlib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from confection import Config
from safetensors import SafetensorError

from . import pipeline as _pipeline  # noqa: F401  (registers factories and architectures)
from .about import __version__
from .compat import LanguageV2Aliases, warn_v2
from .config.loading import check_arguments, resolve_section
from .config.registry import registry
from .errors import ConfigError, LexloomError, ModelLoadError
from .lang import changes, check_language_code, create_tokenizer, language_rules, stop_words
from .pipeline.base import FunctionComponent, Pipe, TrainablePipe
from .pipeline.batch import Batch
from .pipeline.factories import FactoryMeta, component, factory, fill_defaults, get_factory_meta
from .pipeline.tok2vec import Tok2Vec
from .pipeline.vectors import StaticVectors
from .tokens import Doc, Example, Vocab
from .files import atomic_path, atomic_write_text

FORMAT_VERSION = 1
# Docs annotated together: larger batches pad less and feed the LSTMs more rows per step,
# but hold more memory at once (32 ten-sentence docs: about 7% more words/s than 16 with an
# int8 BiLSTM that reads packed sequences; 64 no faster, and a tenth slower through a window
# encoder). A model may ask for more (`annotate_docs`): the int8 BiLSTM, whose Python loop
# runs a step per token position, reads 64 about 8% faster than 32 (benchmarks/RESULTS.md,
# "An int8 BiLSTM a sequence at a time").
ANNOTATE_DOCS = 32
# Texts `nlp.pipe` reads at a time unless told (`nlp.batch_size`): each batch is sorted by
# length and annotated ANNOTATE_DOCS at a time. spaCy's default is 1000.
PIPE_TEXTS = 256
# spaCy's `nlp.max_length`: the longest text, in characters, a pipeline makes a Doc of
MAX_LENGTH = 1_000_000


# The GPU of pipelines made without a gpu_id (`lexloom.blank`, `load`, training where the config
# asks for none): -1, the CPU, until `prefer_gpu` or `require_gpu` picks one.
_default_gpu_id = -1


def _device(gpu_id: int | None) -> torch.device:
    if gpu_id is None:
        gpu_id = _default_gpu_id
    if gpu_id < 0:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise LexloomError(f"gpu_id {gpu_id} was asked for, but torch sees no CUDA device")
    return torch.device(f"cuda:{gpu_id}")


def default_gpu_id() -> int:
    """The GPU that pipelines made without a gpu_id use (-1: the CPU)."""
    return _default_gpu_id


def require_gpu(gpu_id: int = 0) -> bool:
    """spaCy's `require_gpu`: pipelines made from now on without a gpu_id run on GPU `gpu_id`;
    an error where torch sees no such CUDA device."""
    global _default_gpu_id
    if not torch.cuda.is_available():
        raise LexloomError("require_gpu: torch sees no CUDA device (is this torch built with CUDA, and is a GPU visible?)")
    if not 0 <= gpu_id < torch.cuda.device_count():
        raise LexloomError(f"require_gpu: no GPU {gpu_id}; torch sees {torch.cuda.device_count()} (0 to {torch.cuda.device_count() - 1})")
    _default_gpu_id = gpu_id
    return True


def prefer_gpu(gpu_id: int = 0) -> bool:
    """spaCy's `prefer_gpu`: `require_gpu(gpu_id)` where torch sees a CUDA device; whether it does."""
    return torch.cuda.is_available() and require_gpu(gpu_id)


def require_cpu() -> bool:
    """spaCy's `require_cpu`: pipelines made from now on without a gpu_id run on the CPU."""
    global _default_gpu_id
    _default_gpu_id = -1
    return True


class PipelineLoss(torch.nn.Module):
    """The summed loss of a pipeline's components on one batch, computed as one module's
    forward pass (tok2vec once, then every component) so that DistributedDataParallel can
    wrap it. Its parameters are the components' own; it adds none."""

    def __init__(self, nlp: "Language"):
        super().__init__()
        self.components = torch.nn.ModuleList(proc.model for _, proc in nlp._components if proc.model is not None)
        self.pipeline = list(nlp.pipeline)
        self.autocast = nlp._autocast

    def forward(self, examples: list[Example], batch: Batch, exclude: set[str], only: set[str] | None, needed: set[str] | None, losses: dict) -> torch.Tensor | None:
        total = None
        for name, proc in self.pipeline:
            if not proc.is_trainable or (needed is not None and name not in needed):
                continue
            frozen = name in exclude
            with torch.set_grad_enabled(not frozen), self.autocast():
                output = proc.forward(batch)
            if frozen or (only is not None and name not in only):
                continue
            loss = proc.get_loss(examples, batch, output)
            if loss is None:
                continue
            losses[name] = losses.get(name, 0.0) + float(loss.detach())
            total = loss if total is None else total + loss
        return total


class DisabledPipes(list):
    """The components `select_pipes` disabled, at once; they come back at the end of a
    `with` block or on `.restore()`, as in spaCy."""

    def __init__(self, nlp: "Language", names: Iterable[str]):
        super().__init__(names)
        self.nlp = nlp
        self._before = set(nlp._disabled)
        nlp._disabled |= set(self)

    def __enter__(self) -> "DisabledPipes":
        return self

    def __exit__(self, *exc) -> None:
        self.restore()

    def restore(self) -> None:
        self.nlp._disabled = self._before


class _class_property:
    """A read-only attribute computed on the class (`Language.factories`), and, where
    `.instance` gives one, computed otherwise on an instance (`nlp.Defaults`)."""

    def __init__(self, on_class: Callable):
        self.on_class, self.on_instance = on_class, None
        self.__doc__ = on_class.__doc__

    def instance(self, on_instance: Callable) -> "_class_property":
        self.on_instance = on_instance
        return self

    def __get__(self, obj: Any, cls: type) -> Any:
        if obj is not None and self.on_instance is not None:
            return self.on_instance(obj)
        return self.on_class(cls)


class Language(LanguageV2Aliases):
    """The tokenizer plus the pipeline of components. The v2 verbs (`create_pipe`,
    `disable_pipes`, `begin_training`) come from `compat.LanguageV2Aliases`."""

    _lang_code = "xx"  # the language of the class's blank pipelines (`get_lang_class`)

    # Register component factories: `@Language.factory("name", default_config=..., assigns=...)`
    # for a factory (a class or function taking nlp, name and its settings), and
    # `@Language.component("name")` for a function from Doc to Doc (see pipeline/factories.py).
    factory = staticmethod(factory)
    component = staticmethod(component)
    get_factory_meta = staticmethod(get_factory_meta)

    @_class_property
    def factories(cls) -> MappingProxyType:  # noqa: N805
        """spaCy's `Language.factories`: every registered factory by name (read-only)."""
        return MappingProxyType(registry.factories.get_all())

    @classmethod
    def has_factory(cls, name: str) -> bool:
        """Whether a factory `name` is registered (`@Language.factory`, `@Language.component`)."""
        return name in registry.factories

    def __init__(self, vocab: Vocab, tokenizer: Callable[[str], Doc] | None = None, *, gpu_id: int | None = None, meta: dict | None = None):
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.device = _device(gpu_id)
        self.meta: dict[str, Any] = {"lang": vocab.lang, "name": "pipeline", "version": "0.0.0", **(meta or {})}
        self._components: list[tuple[str, Pipe]] = []
        self._component_cfgs: dict[str, dict] = {}
        self._disabled: set[str] = set()
        # bf16 autocast for forward passes on CUDA ([training] mixed_precision = "bf16").
        self.mixed_precision: str | None = None
        self.config = Config({"nlp": {"lang": vocab.lang, "pipeline": []}, "components": {}})
        self._data_parallel: torch.nn.Module | None = None
        # the optimizer `initialize` made, which `update` steps when given no sgd= (as spaCy)
        self._optimizer = None
        self.max_length = MAX_LENGTH
        self.batch_size = PIPE_TEXTS
        # the directory `lexloom.load` read this pipeline from; None for one made in code
        self.path: Path | None = None

    @classmethod
    def blank(cls, lang: str, *, gpu_id: int | None = None) -> "Language":
        vocab = Vocab(lang)
        return cls(vocab, create_tokenizer(lang, vocab), gpu_id=gpu_id)

    @property
    def lang(self) -> str:
        return self.vocab.lang

    @_class_property
    def Defaults(cls) -> "_Defaults":  # noqa: N802, N805 (spaCy's name)
        """The language's data, on the class: `English.Defaults.stop_words` is the language's
        set, which a pipeline copies when it first reads its stop words."""
        return _Defaults(cls._lang_code, None)

    @Defaults.instance
    def Defaults(self) -> "_Defaults":  # noqa: N802 (spaCy's name)
        """spaCy's `nlp.Defaults`, for the language data code changes: `stop_words`, this
        pipeline's own set (`nlp.Defaults.stop_words.add("btw")` applies at once)."""
        return _Defaults(self.lang, self.vocab)

    # --- the pipeline --------------------------------------------------------------------
    @property
    def pipe_names(self) -> list[str]:
        return [n for n, _ in self._components if n not in self._disabled]

    @property
    def component_names(self) -> list[str]:
        return [n for n, _ in self._components]

    @property
    def pipeline(self) -> list[tuple[str, Pipe]]:
        return [(n, p) for n, p in self._components if n not in self._disabled]

    @property
    def components(self) -> list[tuple[str, Pipe]]:
        return list(self._components)

    def get_pipe(self, name: str) -> Pipe:
        for n, p in self._components:
            if n == name:
                return p
        raise KeyError(f"no component {name!r} in the pipeline; it has {self.component_names}")

    def has_pipe(self, name: str) -> bool:
        return name in self.component_names

    def add_pipe(self, factory_name: str, name: str | None = None, *, config: dict | None = None, source: "Language | None" = None, before: str | None = None, after: str | None = None, first: bool = False, last: bool = False) -> Pipe:
        """Add a component made by `factory_name` (filled with its defaults), or copied from `source`.
        (A component from v2's `nlp.create_pipe` is added as it is.)"""
        if not isinstance(factory_name, str):
            if not isinstance(factory_name, Pipe):
                raise TypeError(f"add_pipe takes a factory name (or a component from nlp.create_pipe), not {factory_name!r}")
            factory_name.nlp = self
            return self._insert_pipe(name or factory_name.name, factory_name, factory_name._create_cfg, before, after, first)
        name = name or factory_name
        if source is not None:
            proc = source.get_pipe(factory_name)
            proc.nlp = self
            cfg = source.get_pipe_config(factory_name)
            if proc.model is not None:
                proc.model.to(self.device)
        else:
            proc = self._create_component(factory_name, name, config or {})
            cfg = proc._create_cfg
        return self._insert_pipe(name, proc, cfg, before, after, first)

    def _create_component(self, factory_name: str, name: str, config: dict) -> Pipe:
        cfg = fill_defaults(factory_name, config)
        cfg["factory"] = factory_name
        proc = self._make_component(name, cfg)
        proc._create_cfg = cfg
        return proc

    def _insert_pipe(self, name: str, proc: Pipe, cfg: dict, before: str | None, after: str | None, first: bool) -> Pipe:
        if self.has_pipe(name):
            raise ValueError(f"a component named {name!r} already exists; pass name= to add another")
        for where in (before, after):
            if where is not None and not self.has_pipe(where):
                raise ValueError(f"no component {where!r} to add {name!r} next to; the pipeline has {self.component_names}")
        index = len(self._components)
        if first:
            index = 0
        elif before is not None:
            index = self.component_names.index(before)
        elif after is not None:
            index = self.component_names.index(after) + 1
        proc.name = name
        self._components.insert(index, (name, proc))
        self._component_cfgs[name] = cfg
        self._sync_config()
        return proc

    def get_pipe_config(self, name: str) -> dict:
        """The config a component was made from (its `[components.NAME]` section)."""
        self.get_pipe(name)
        return self._component_cfgs[name]

    def get_pipe_meta(self, name: str) -> FactoryMeta:
        """The metadata of the factory that made a component (see `Language.factory`)."""
        return get_factory_meta(self.get_pipe_config(name)["factory"])

    def analyze_pipes(self, *, keys: Sequence[str] = ("assigns", "requires", "scores", "retokenizes"), pretty: bool = False) -> dict:
        """spaCy's `nlp.analyze_pipes`: what each enabled component assigns, requires, scores
        and whether it retokenizes ("summary"), the requirements no component before it
        assigns ("problems"), and per attribute the components that assign and require it
        ("attrs"). `pretty` also prints them as tables."""
        summary: dict[str, dict] = {}
        problems: dict[str, list[str]] = {}
        attrs: dict[str, dict[str, list[str]]] = {}
        assigned: set[str] = set()
        for name in self.pipe_names:
            meta = self.get_pipe_meta(name)
            info = {"assigns": list(meta.assigns), "requires": list(meta.requires), "scores": list(meta.default_score_weights), "retokenizes": meta.retokenizes}
            summary[name] = {key: info[key] for key in keys}
            problems[name] = [attr for attr in meta.requires if attr not in assigned]
            assigned.update(meta.assigns)
            for kind in ("assigns", "requires"):
                for attr in info[kind]:
                    attrs.setdefault(attr, {"assigns": [], "requires": []})[kind].append(name)
        analysis = {"summary": summary, "problems": problems, "attrs": dict(sorted(attrs.items()))}
        if pretty:
            _print_analysis(analysis, keys)
        return analysis

    def _make_component(self, name: str, cfg: dict) -> Pipe:
        args = {k: v for k, v in cfg.items() if k not in ("factory", "source")}
        where = f"[components.{name}]"
        resolved = resolve_section({name: args}, name, path=where, top_level=False)
        make = registry.factories.get(cfg["factory"])
        check_arguments(make, resolved, where, skip=("nlp", "name"))
        proc = make(self, name, **resolved)
        if not isinstance(proc, Pipe):
            if not callable(proc):
                raise ConfigError(f"{where}: factory {cfg['factory']!r} made {type(proc).__name__}, not a component (a callable from Doc to Doc)")
            proc = FunctionComponent(self, name, proc)
        proc.factory = cfg["factory"]
        return proc

    def remove_pipe(self, name: str) -> Pipe:
        proc = self.get_pipe(name)
        self._components = [(n, p) for n, p in self._components if n != name]
        self._component_cfgs.pop(name, None)
        self._disabled.discard(name)
        self._sync_config()
        return proc

    def replace_pipe(self, name: str, factory_name: str, *, config: dict | None = None) -> Pipe:
        """Put a new component made by `factory_name` in the place of `name`, under the same
        name, as spaCy's; the new one is enabled. Returns it."""
        self.get_pipe(name)
        if not isinstance(factory_name, str):
            raise TypeError(f"replace_pipe takes a factory name, not {factory_name!r}: register a function with @Language.component first")
        proc = self._create_component(factory_name, name, config or {})
        proc.name = name
        index = self.component_names.index(name)
        self._components[index] = (name, proc)
        self._component_cfgs[name] = proc._create_cfg
        self._disabled.discard(name)
        self._sync_config()
        return proc

    def rename_pipe(self, old_name: str, new_name: str) -> None:
        """Give the component `old_name` the name `new_name`, as spaCy's."""
        proc = self.get_pipe(old_name)
        if self.has_pipe(new_name):
            raise ValueError(f"a component named {new_name!r} already exists; the pipeline has {self.component_names}")
        listeners = [n for n, p in self._components if p.listener is not None and p.listener.upstream == old_name]
        if listeners:
            raise ValueError(f"{', '.join(listeners)} listen to {old_name!r} by its name; renaming it would cut them off")
        self._components = [(new_name if n == old_name else n, p) for n, p in self._components]
        self._component_cfgs[new_name] = self._component_cfgs.pop(old_name)
        if old_name in self._disabled:
            self._disabled = (self._disabled - {old_name}) | {new_name}
        proc.name = new_name
        self._sync_config()

    @property
    def pipe_labels(self) -> dict[str, list[str]]:
        """The labels of each component that has labels (not a tok2vec, a sentencizer, ...),
        disabled ones too, as spaCy's."""
        return {n: list(p.labels) for n, p in self._components if type(p).labels is not Pipe.labels and not isinstance(p, Tok2Vec)}

    def _sync_config(self) -> None:
        self.config["nlp"]["pipeline"] = self.component_names
        self.config["components"] = {n: self._component_cfgs[n] for n in self.component_names}

    def select_pipes(self, *, disable: Iterable[str] | str | None = None, enable: Iterable[str] | str | None = None) -> DisabledPipes:
        """Disable components until the `with` block ends (or `.restore()`):
        `with nlp.select_pipes(disable=["parser"]): ...`, or `enable=[...]` to keep only those."""
        if isinstance(disable, str):
            disable = [disable]
        if isinstance(enable, str):
            enable = [enable]
        if enable is not None:
            for n in enable:
                self.get_pipe(n)
            disable = [n for n in self.component_names if n not in set(enable)]
        disable = list(disable or [])
        for n in disable:
            self.get_pipe(n)
        return DisabledPipes(self, disable)

    @property
    def disabled(self) -> list[str]:
        """The components that are loaded but disabled."""
        return [n for n in self.component_names if n in self._disabled]

    def disable_pipe(self, name: str) -> None:
        self.get_pipe(name)
        self._disabled.add(name)

    def enable_pipe(self, name: str) -> None:
        self.get_pipe(name)
        self._disabled.discard(name)

    # --- parameters ------------------------------------------------------------------------
    def named_parameters(self, exclude: Iterable[str] = ()) -> Iterator[tuple[str, torch.nn.Parameter]]:
        skip = set(exclude)
        for name, proc in self._components:
            if name in skip or proc.model is None:
                continue
            for pname, p in proc.model.named_parameters():
                yield f"{name}.{pname}", p

    @contextlib.contextmanager
    def use_params(self, params: dict[str, torch.Tensor] | None):
        """Temporarily swap in other weights (e.g. `optimizer.averages`)."""
        if not params:
            yield
            return
        backup = {}
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name in params and params[name].shape == p.shape:
                    backup[name] = p.detach().clone()
                    p.copy_(params[name])
        try:
            yield
        finally:
            with torch.no_grad():
                for name, p in self.named_parameters():
                    if name in backup:
                        p.copy_(backup[name])

    def _autocast(self):
        enabled = self.mixed_precision == "bf16" and self.device.type == "cuda"
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def _train_mode(self, training: bool, drop: float | None = None) -> None:
        for _, proc in self._components:
            if proc.model is None:
                continue
            proc.model.train(training)
            if drop is not None:
                for m in proc.model.modules():
                    if isinstance(m, torch.nn.Dropout):
                        m.p = drop

    # --- training --------------------------------------------------------------------------
    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, sgd=None, labels: dict[str, Sequence[str]] | None = None):
        """Collect labels from the examples, build every enabled component's model (disabled
        ones, e.g. components sourced from a trained pipeline, keep theirs), return an optimizer."""
        get_examples = get_examples or (lambda: [])
        for name, proc in self.pipeline:
            proc.initialize(get_examples, labels=(labels or {}).get(name))
        self._share_vectors()
        return self.resume_training(sgd=sgd)

    def resume_training(self, *, sgd=None):
        """The optimizer to keep training with (a new one unless `sgd` is given)."""
        if sgd is not None:
            return sgd
        self._optimizer = self.create_optimizer()
        return self._optimizer

    def create_optimizer(self):
        from .training.optimizer import Optimizer

        return Optimizer()

    def _coerce_examples(self, examples, annotations=None) -> list[Example]:
        if annotations is not None:
            warn_v2("nlp.update(texts, annotations)", "nlp.update([Example.from_dict(nlp.make_doc(text), annotations)])", stacklevel=4)
            out = []
            for text, annot in zip(examples, annotations):
                doc = text if isinstance(text, Doc) else self.make_doc(text)
                out.append(Example.from_dict(doc, annot))
            return out
        out = []
        for eg in examples:
            if isinstance(eg, Example):
                out.append(eg)
            elif isinstance(eg, tuple) and len(eg) == 2:
                text, annot = eg
                out.append(Example.from_dict(text if isinstance(text, Doc) else self.make_doc(text), annot))
            else:
                raise TypeError(f"nlp.update takes Examples or (text, annotations) pairs, not {type(eg).__name__}")
        return out

    def update(self, examples, annotations=None, *, drop: float = 0.0, sgd=None, losses: dict | None = None, exclude: Iterable[str] = (), only: Iterable[str] | None = None) -> dict:
        """One step on a batch: tok2vec forward once, each component's loss, one optimizer step.

        `sgd=None` steps the optimizer that `initialize()` made (as spaCy does); `sgd=False`
        only accumulates gradients, for the next update that steps."""
        examples = self._coerce_examples(examples, annotations)
        if sgd is None:
            sgd = self._optimizer
        elif sgd is False:
            sgd = None
        losses = {} if losses is None else losses
        if not examples:
            return losses
        exclude = set(exclude)
        only = set(only) if only is not None else None
        needed = self._with_upstreams(only)
        quantized = [n for n, p in self._components if getattr(p, "quantized", False) and (needed is None or n in needed)]
        if quantized:
            raise ValueError(
                f"{', '.join(quantized)} run in int8 for inference and cannot be trained: load the "
                "pipeline with lexloom.load(path, quantize=False) to train it"
            )
        batch = Batch([eg.predicted for eg in examples], self.device)
        module = self._data_parallel or PipelineLoss(self)
        # Accumulating steps (no sgd) keep their gradients local; the step that applies them syncs.
        local = sgd is None and self._data_parallel is not None
        self._train_mode(True, drop)
        try:
            with module.no_sync() if local else contextlib.nullcontext():
                total = module(examples, batch, exclude, only, needed, losses)
                learns = total is not None and total.requires_grad
                if learns:
                    total.backward()
            if learns and sgd is not None:
                sgd.step(self.named_parameters(exclude=exclude))
        finally:
            self._train_mode(False)
        return losses

    def data_parallel(self) -> None:
        """Train data-parallel from here on: `update` runs through torch's
        DistributedDataParallel, which all-reduces (averages) gradients across the
        process group while backward runs. The pipeline's weights must be final
        (initialized, labels added); rank 0's are copied to every rank."""
        from .training import distributed

        self._data_parallel = distributed.wrap(PipelineLoss(self), self.device)

    # --- applying ----------------------------------------------------------------------------
    def make_doc(self, text: str) -> Doc:
        return self.make_docs([text])[0]

    def make_docs(self, texts: Sequence[str], pipeline: list[tuple[str, Pipe]] | None = None) -> list[Doc]:
        """Docs of `texts`, made by the tokenizing components of `pipeline` (the enabled
        components by default), in their order: a `segmenter`, then an `mwt` expander. Without
        one, the tokenizer makes them. A text longer than `nlp.max_length` characters is an error."""
        for text in texts:
            if len(text) > self.max_length:
                raise ValueError(
                    f"a text of {len(text):,} characters is longer than nlp.max_length ({self.max_length:,}): "
                    "annotating it at once takes memory in proportion to its length. Split it (into "
                    "paragraphs, say), or raise the limit: nlp.max_length = len(text)"
                )
        docs = None
        for _, proc in self.pipeline if pipeline is None else pipeline:
            if proc.tokenizes:
                docs = proc.make_docs(texts, docs)
        if docs is None:
            if self.tokenizer is None:
                raise LexloomError("this pipeline has no tokenizer")
            docs = [self.tokenizer(text) for text in texts]
        return docs

    def __call__(self, text: str | Doc) -> Doc:
        doc = text if isinstance(text, Doc) else self.make_doc(text)
        return self._annotate([doc], _on_docs(self.pipeline))[0]

    def _with_upstreams(self, names: Iterable[str] | None) -> set[str] | None:
        """`names` plus the tok2vec components they listen to (None stands for every component)."""
        if names is None:
            return None
        needed = set(names)
        for name in list(needed):
            listener = self.get_pipe(name).listener
            if listener is not None:
                needed.add(listener.upstream)
        return needed

    def _annotate(self, docs: list[Doc], pipeline: list[tuple[str, Pipe]]) -> list[Doc]:
        """Run `pipeline` on the non-empty `docs` as one batch: trainable components predict
        on the batch, others run Doc by Doc. Returns the Docs (a component may return new ones)."""
        docs = list(docs)
        positions = [i for i, d in enumerate(docs) if len(d)]
        if not positions:
            return docs
        batch = Batch([docs[i] for i in positions], self.device)
        with torch.no_grad(), self._autocast():
            for _, proc in pipeline:
                if proc.is_trainable:
                    proc.set_annotations(batch.docs, proc.predict(batch))
                    continue
                before = batch.docs
                out = [proc(doc) for doc in before]
                if any(new is not old for new, old in zip(out, before)):
                    tokvecs = batch.tokvecs
                    batch = Batch(out, self.device)
                    if all(len(new) == len(old) for new, old in zip(out, before)):
                        batch.tokvecs = tokvecs  # the same tokens: the tok2vec's output still holds
        for i, doc in zip(positions, batch.docs):
            docs[i] = doc
        return docs

    def _annotate_stream(self, texts: Iterable[str | Doc], batch_size: int, pipeline: list[tuple[str, Pipe]]) -> Iterator[Doc]:
        """Texts or Docs, `batch_size` at a time: the texts made into Docs by the tokenizing
        components of `pipeline` (a learned segmenter reads a batch at once), then all the
        Docs annotated by its other components. A Doc given keeps its tokens."""
        annotators = _on_docs(pipeline)
        items = iter(texts)
        while batch := list(itertools.islice(items, batch_size)):
            strings = [t for t in batch if not isinstance(t, Doc)]
            made = iter(self.make_docs(strings, pipeline) if strings else [])
            yield from self._annotate_sorted([t if isinstance(t, Doc) else next(made) for t in batch], annotators)

    def _annotate_sorted(self, docs: list[Doc], pipeline: list[tuple[str, Pipe]]) -> list[Doc]:
        """Annotate in sub-batches of similar length (less padding), return in input order."""
        order = sorted(range(len(docs)), key=lambda i: len(docs[i]))
        out = list(docs)
        size = _annotate_docs(pipeline)
        for k in range(0, len(order), size):
            chunk = order[k : k + size]
            for i, doc in zip(chunk, self._annotate([docs[i] for i in chunk], pipeline)):
                out[i] = doc
        return out

    def pipe(self, texts: Iterable[str | Doc], *, batch_size: int | None = None, as_tuples: bool = False, disable: Iterable[str] = (), n_process: int = 1) -> Iterator[Doc]:
        """Annotate a stream of texts or Docs, `batch_size` (default `nlp.batch_size`) at a
        time (sorted by length inside each batch).

        `as_tuples=True` takes (text, context) pairs and yields (doc, context) pairs;
        `disable` skips components for this call. All runs in this process (torch spreads
        the work over its threads), whatever `n_process` says."""
        skip = set(disable)
        for name in skip:
            self.get_pipe(name)
        pipeline = [(n, p) for n, p in self.pipeline if n not in skip]
        batch_size = self.batch_size if batch_size is None else batch_size
        self._train_mode(False)
        if as_tuples:
            return _with_contexts(self, texts, batch_size, list(disable))
        return self._annotate_stream(texts, batch_size, pipeline)

    def evaluate(self, examples: Iterable[Example], *, batch_size: int | None = None, in_place: bool = False) -> dict[str, Any]:
        """Annotate a copy of each example's predicted Doc and score it against the reference.

        The examples' own Docs stay as they were, as in spaCy: a component keeps what a Doc
        already has (the parser the sentences it is given, the NER entities set before it), so
        annotating them would make the next evaluation of the same examples start from this
        one's predictions. `in_place=True` annotates the given Docs instead (each example's
        `predicted` then holds the annotated Doc), for examples made fresh for one call."""
        import time

        from .scoring import Scorer

        examples = [eg if in_place else Example(eg.predicted.copy(), eg.reference) for eg in examples]
        start = time.perf_counter()
        for eg, doc in zip(examples, self.pipe((eg.predicted for eg in examples), batch_size=batch_size)):
            eg.predicted = doc  # the same Doc, unless a component returned a new one
        seconds = time.perf_counter() - start
        # every component scores itself, a tokenizing one on the references' raw text
        return Scorer.for_pipeline(self).score(examples, seconds=seconds)

    def quantize(self) -> "Language":
        """Run every trainable component's LSTM and linear layers in int8 (CPU only): faster
        inference, the same figures to about a hundredth of a point. What `load` does when the
        config says `[nlp] quantize = true`. The pipeline then predicts and saves (its float
        weights), but does not train: load it with `quantize=False` for that."""
        if self.device.type != "cpu":
            raise ValueError(f"int8 quantization runs on CPU; this pipeline is on {self.device}")
        for _, proc in self._components:
            if isinstance(proc, TrainablePipe):
                proc.quantize()
        return self

    # --- saving and loading ------------------------------------------------------------------
    def to_disk(self, path: str | Path, *, extra_meta: dict | None = None) -> Path:
        """Write the pipeline directory (config.cfg, meta.json, a folder per component) atomically."""
        path = Path(path)
        meta = dict(self.meta)
        meta.update(extra_meta or {})
        meta.update(
            {
                "lang": self.lang,
                "pipeline": self.component_names,
                "disabled": self.disabled,
                "labels": {n: list(p.labels) for n, p in self._components},
                "lexloom_version": __version__,
                "torch_version": torch.__version__.split("+")[0],
                "format_version": FORMAT_VERSION,
            }
        )
        config = Config(self.config)
        # what is disabled now loads disabled (as spaCy's nlp.to_disk)
        config["nlp"] = {k: v for k, v in config["nlp"].items() if k != "disabled"}
        if self.disabled:
            config["nlp"]["disabled"] = self.disabled
        with atomic_path(path) as tmp:
            tmp.mkdir(parents=True)
            config.to_disk(tmp / "config.cfg", interpolate=False)
            for name, proc in self._components:
                proc.to_disk(tmp / name)
            changed = changes.of(self)
            if changed:
                atomic_write_text(tmp / changes.FILE, json.dumps(changed, indent=2, ensure_ascii=False, sort_keys=True))
            atomic_write_text(tmp / "meta.json", json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True))
        return path

    def to_bytes(self) -> bytes:
        """The pipeline as bytes, as spaCy's `nlp.to_bytes()`: what `to_disk` writes, as a ZIP
        archive (`from_bytes` reads it back). The same pipeline gives the same bytes."""
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w") as archive:
            root = self.to_disk(Path(tmp) / "pipeline")
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                archive.writestr(zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0)), path.read_bytes())
        return buffer.getvalue()

    def from_bytes(self, data: bytes) -> "Language":
        """Become the pipeline `to_bytes` wrote, on this pipeline's device: its config, vocab,
        tokenizer and components (spaCy's loads into components of the same names; these bytes
        carry the config, so they make them). Read as `lexloom.load` reads a directory: safetensors
        and JSON, never a pickle. Returns this pipeline."""
        from .files import extract_archive

        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"nlp.from_bytes takes the bytes of nlp.to_bytes(), not {type(data).__name__}")
        not_ours = "nlp.from_bytes: not the bytes of nlp.to_bytes()"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                missing = sorted({"config.cfg", "meta.json"} - set(archive.namelist()))
        except zipfile.BadZipFile as e:
            raise ModelLoadError(f"{not_ours} ({e})") from None
        if missing:
            raise ModelLoadError(f"{not_ours} (no {' nor '.join(missing)} in it)")
        with tempfile.TemporaryDirectory() as tmp:
            zip_path, path = Path(tmp) / "pipeline.zip", Path(tmp) / "pipeline"
            zip_path.write_bytes(data)
            try:
                extract_archive(zip_path, path)
                loaded = _load_directory(path, gpu_id=self.device.index if self.device.type == "cuda" else -1, exclude=())
            except (LexloomError, zipfile.BadZipFile, zlib.error) as e:
                raise ModelLoadError(f"nlp.from_bytes: {str(e).replace(str(zip_path), '<bytes>').replace(str(path), '<bytes>')}") from None
        # This object becomes the loaded pipeline, so that code holding `nlp` sees the new one
        # (read from no directory of the user's: its path stays).
        loaded.path = self.path
        self.__dict__.update(loaded.__dict__)
        for _, proc in self._components:
            proc.nlp = self
        return self

    @classmethod
    def from_config(cls, config: Config | dict, *, gpu_id: int | None = None, init_components: bool = False) -> "Language":
        nlp_cfg = config.get("nlp", {})
        lang = nlp_cfg.get("lang", "xx")
        nlp = cls.blank(lang, gpu_id=gpu_id)
        components = config.get("components", {})
        for name in nlp_cfg.get("pipeline", []):
            if name not in components:
                raise ConfigError(f"[nlp] pipeline lists {name!r} but there is no [components.{name}] section")
            cfg = dict(components[name])
            if "factory" not in cfg and "source" not in cfg:
                raise ConfigError(f"[components.{name}] needs a factory (or a source pipeline)")
            if "source" in cfg:
                source = load_pipeline(cfg["source"], gpu_id=gpu_id, quantize=False)
                nlp.add_pipe(cfg.get("component", name), name=name, source=source)
            else:
                nlp.add_pipe(cfg["factory"], name=name, config={k: v for k, v in cfg.items() if k != "factory"})
        # spaCy's [nlp] disabled: loaded, but not run (nor trained) until `nlp.enable_pipe(name)`
        disabled = nlp_cfg.get("disabled") or []
        if not isinstance(disabled, list) or any(name not in nlp.component_names for name in disabled):
            raise ConfigError(f"[nlp] disabled = {disabled!r}: expected a list of names from [nlp] pipeline {nlp.component_names}")
        nlp._disabled |= set(disabled)
        for key in ("training", "initialize", "paths", "system", "corpora", "pretraining"):
            if key in config:
                nlp.config[key] = config[key]
        return nlp

    def from_disk(self, path: Path) -> "Language":
        for name, proc in self._components:
            if proc.model is None:
                proc.from_disk(path / name)
        self._train_mode(False)  # loaded weights predict: dropout off
        self._share_vectors()
        return self

    def _share_vectors(self) -> None:
        """Make the static vectors of the first model that reads some the vocab's word vectors
        (`token.vector`, `doc.similarity`), as spaCy's md and lg pipelines have them. Without
        any, the vocab keeps its own (none, unless code set some)."""
        for _, proc in self._components:
            model = getattr(proc, "model", None)
            if isinstance(model, torch.nn.Module):
                for module in model.modules():
                    if isinstance(module, StaticVectors):
                        self.vocab.vectors = module.vocab_vectors(self.vocab.strings)
                        return


@functools.cache
def get_lang_class(lang: str) -> type[Language]:
    """spaCy's `util.get_lang_class("en")`: a Language class whose pipelines start blank in
    `lang`, so `get_lang_class("en")()` is `lexloom.blank("en")`. Every language code has one
    (those without rules of their own tokenize with the language-neutral rules)."""
    check_language_code(lang)

    def __init__(self, vocab: Vocab | None = None, tokenizer: Callable[[str], Doc] | None = None, **kwargs: Any) -> None:
        vocab = Vocab(lang) if vocab is None else vocab
        Language.__init__(self, vocab, create_tokenizer(lang, vocab) if tokenizer is None else tokenizer, **kwargs)

    return type(f"Language_{lang}", (Language,), {"__init__": __init__, "__module__": __name__, "_lang_code": lang})


class _Defaults:
    """spaCy's `Defaults`: `stop_words` and the language's tokenizer rules, copies to build new
    ones from: `compile_infix_regex(nlp.Defaults.infixes + [...])`. On a pipeline
    (`nlp.Defaults`) the stop words are its own set; on a class (`English.Defaults`) the
    language's, which pipelines copy when they first read theirs: adding to it changes
    those, not the ones that already read theirs, and a saved pipeline records what it
    has beyond the words lexloom ships (lang/changes.py)."""

    def __init__(self, lang: str, vocab: Vocab | None):
        self._lang, self._vocab = lang, vocab
        self._rules = language_rules(lang)

    prefixes = property(lambda self: list(self._rules.prefixes))
    suffixes = property(lambda self: list(self._rules.suffixes))
    infixes = property(lambda self: list(self._rules.infixes))
    token_match = property(lambda self: self._rules.token_match)
    url_match = property(lambda self: self._rules.url_match)

    @property
    def stop_words(self) -> set[str]:
        return stop_words(self._lang) if self._vocab is None else self._vocab.stop_words

    @stop_words.setter
    def stop_words(self, words) -> None:
        if self._vocab is None:
            language_words = stop_words(self._lang)
            language_words.clear()
            language_words.update(words)
        else:
            self._vocab.stop_words = words


def _print_analysis(analysis: dict, keys: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("#", "component", *keys, title="Pipeline overview")
    for k, (name, info) in enumerate(analysis["summary"].items()):
        table.add_row(str(k), name, *(", ".join(v) if isinstance(v, list) else str(v) for v in info.values()))
    console = Console()
    console.print(table)
    missing = {name: attrs for name, attrs in analysis["problems"].items() if attrs}
    for name, attrs in missing.items():
        console.print(f"'{name}' requirements not met: {', '.join(attrs)}")
    if not missing:
        console.print("No problems found.")


def _on_docs(pipeline: list[tuple[str, Pipe]]) -> list[tuple[str, Pipe]]:
    """The components of `pipeline` that annotate Docs: all but those that make them from text."""
    return [(n, p) for n, p in pipeline if not p.tokenizes]


def _annotate_docs(pipeline: list[tuple[str, Pipe]]) -> int:
    """Docs to annotate at once: ANNOTATE_DOCS, or more where a model asks (`annotate_docs`)."""
    models = [p.model for _, p in pipeline if isinstance(getattr(p, "model", None), torch.nn.Module)]
    return max([ANNOTATE_DOCS, *(getattr(m, "annotate_docs", 0) for model in models for m in model.modules())])


def _with_contexts(nlp: Language, pairs: Iterable[tuple[Any, Any]], batch_size: int, disable: list[str]) -> Iterator[tuple[Doc, Any]]:
    contexts: collections.deque = collections.deque()

    def texts() -> Iterator[Any]:
        for text, context in pairs:
            contexts.append(context)
            yield text

    for doc in nlp.pipe(texts(), batch_size=batch_size, disable=disable):
        yield doc, contexts.popleft()


def _check_model_dir(path: Path) -> None:
    """Refuse what a model directory must never hold: pickles, links out, `..` paths."""
    root = path.resolve()
    for p in path.rglob("*"):
        if p.is_symlink() and not p.resolve().is_relative_to(root):
            raise ModelLoadError(f"{p}: symbolic link points outside the model directory; refusing to load")
        if p.suffix in (".pkl", ".pickle", ".pt", ".pth", ".bin") and p.is_file():
            raise ModelLoadError(f"{p}: pickled files are not loaded (model files are safetensors and JSON)")


def load_pipeline(
    name_or_path: str | Path, *, gpu_id: int | None = None, exclude: Iterable[str] = (), disable: Iterable[str] = (), enable: Iterable[str] | None = None,
    quantize: bool | None = None,
) -> Language:
    """Load a pipeline directory, or an installed package (by its import name) that bundles one.

    `exclude`: components not loaded at all; `disable`: loaded but disabled; `enable`: the
    only components left enabled (as spaCy). Names the pipeline lacks are warned about.
    `quantize`: int8 inference (`Language.quantize`); None follows the config's `[nlp]
    quantize`, which applies on CPU only (on a GPU the pipeline stays float)."""
    path = Path(name_or_path)
    if not path.exists():
        name = str(name_or_path)
        if name.isidentifier():
            try:
                module = importlib.import_module(name)
            except ImportError:
                raise ModelLoadError(f"{name!r} is neither a pipeline directory nor an installed pipeline package") from None
            return module.load(gpu_id=gpu_id, exclude=exclude, disable=disable, enable=enable, quantize=quantize)
        raise ModelLoadError(f"{path}: no such pipeline directory")
    nlp = _load_directory(path, gpu_id=gpu_id, exclude=exclude)
    _apply_selection(nlp, disable, enable)
    if quantize or (quantize is None and nlp.config["nlp"].get("quantize", False) and nlp.device.type == "cpu"):
        nlp.quantize()
    return nlp


def _warn_unknown(asked: Iterable[str], names: list[str]) -> None:
    import warnings

    unknown = sorted(set(asked) - set(names))
    if unknown:
        warnings.warn(f"{', '.join(map(repr, unknown))} not in the pipeline {names}; ignored", stacklevel=5)


def _apply_selection(nlp: Language, disable: Iterable[str], enable: Iterable[str] | None) -> None:
    """Disable components as `load(disable=..., enable=...)` asks."""
    names = set(nlp.component_names)
    _warn_unknown([*disable, *(enable or ())], nlp.component_names)
    off = set(disable) & names
    if enable is not None:
        off |= names - set(enable)
    nlp._disabled |= off


def _load_directory(path: Path, *, gpu_id: int | None, exclude: Iterable[str]) -> Language:
    meta_path, cfg_path = path / "meta.json", path / "config.cfg"
    for p in (meta_path, cfg_path):
        if not p.exists():
            raise ModelLoadError(f"{path}: not a pipeline directory (missing {p.name})")
    _check_model_dir(path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf8"))
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{meta_path}:{e.lineno}: invalid JSON ({e.msg})") from None
    except UnicodeDecodeError as e:
        raise ModelLoadError(f"{meta_path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("format_version", 0), int):
        raise ModelLoadError(f"{meta_path}: expected a JSON object with an integer format_version")
    fmt = meta.get("format_version", 0)
    if fmt > FORMAT_VERSION:
        raise ModelLoadError(
            f"{path}: saved by lexloom {meta.get('lexloom_version', '?')} in format {fmt}; this lexloom "
            f"({__version__}) reads format {FORMAT_VERSION}. Upgrade lexloom to load it."
        )
    from .config import load_config

    # A model directory is input like any other: whatever is wrong in it is reported as a
    # ModelLoadError naming the file, never as a traceback from deep inside.
    try:
        saved = load_config(cfg_path)
        config = load_config(cfg_path, interpolate=True)
        _warn_unknown(exclude, config["nlp"]["pipeline"])
        for cfg in (saved, config):  # excluded components are gone, from the config too
            for key in ("pipeline", "disabled"):
                if key in cfg["nlp"]:
                    cfg["nlp"][key] = [n for n in cfg["nlp"][key] if n not in set(exclude)]
            for n in exclude:
                cfg.get("components", {}).pop(n, None)
        for comp in config.get("components", {}).values():
            comp.pop("source", None)
        nlp = Language.from_config(config, gpu_id=gpu_id)
    except (LexloomError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as e:
        raise ModelLoadError(f"{cfg_path}: not a loadable pipeline config: {e}") from None
    nlp.config = saved
    nlp.meta.update(meta)
    nlp.path = path
    _load_language_data(nlp, path / changes.FILE)
    try:
        return nlp.from_disk(path)
    except (ValueError, KeyError, TypeError, AttributeError, RuntimeError, SafetensorError) as e:
        raise ModelLoadError(f"{path}: corrupt component files ({type(e).__name__}: {e})") from None


def _load_language_data(nlp: Language, path: Path) -> None:
    """What code changed in a saved pipeline's language data (lang/changes.py)."""
    if not path.exists():
        return
    try:
        changes.apply(nlp, json.loads(path.read_text(encoding="utf8")))
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, AttributeError, KeyError, ValueError) as e:
        raise ModelLoadError(f"{path}: not a language data file ({type(e).__name__}: {e})") from None


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
