"""What every component has (`Pipe`), and the verbs trainable ones share (`TrainablePipe`):
initialize, predict, set_annotations, get_loss, update, score."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Sequence

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ModelLoadError
from ..models.quantize import quantize_int8
from ..tokens import Doc, Example
from ..files import atomic_write_text
from .batch import Batch

if TYPE_CHECKING:
    from ..language import Language

# The component that listeners read token vectors from, unless their config names another.
DEFAULT_UPSTREAM = "tok2vec"


def learn_words(encoder: nn.Module | None, get_examples: Callable[[], Iterable[Example]]) -> None:
    """Let a token encoder that learns from the training data's words (`Tok2VecLayer.learn_words`:
    the feature values it knows) read them; other encoders have nothing to learn."""
    learn = getattr(encoder, "learn_words", None)
    if learn is not None:
        learn(get_examples())


def default_tok2vec(width: int = 96, depth: int = 4) -> dict:
    """Config of a component's own CNN tok2vec (spaCy's HashEmbedCNN equivalent)."""
    return {
        "@architectures": "lexloom.Tok2Vec.v1",
        "width": width,
        "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
        "rows": [5000, 1000, 2500, 2500],
        "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": width, "depth": depth, "window_size": 1, "maxout_pieces": 3},
    }


class Listener:
    """Config marker: take token vectors from an upstream tok2vec component instead of owning one."""

    def __init__(self, width: int, upstream: str = DEFAULT_UPSTREAM):
        self.width = width
        self.upstream = upstream


class ModelSpec:
    """What a head architecture resolves to: where its token vectors come from and how to
    build the head once the number of labels is known."""

    def __init__(self, tok2vec: Any, build: Callable[..., nn.Module], n_models: int = 1):
        self.tok2vec = tok2vec
        self.build = build
        if n_models < 1:
            raise ValueError(f"n_models must be at least 1, got {n_models}")
        # how many such models (each with its own tok2vec, unless it listens to a shared one)
        # the component holds and averages: `lexloom ensemble` joins members trained apart
        self.n_models = n_models


class ComponentModel(nn.Module):
    """A component's weights: an optional own tok2vec plus its task head."""

    def __init__(self, head: nn.Module, tok2vec: nn.Module | None = None):
        super().__init__()
        self.tok2vec = tok2vec
        self.head = head


class DataProblem(NamedTuple):
    """A problem `check_gold` found in a gold Doc: which check, on which tokens, details."""

    check: str
    start: int
    end: int
    details: dict = {}


class Pipe:
    """What every component has: a name, its pipeline, `__call__` / `pipe`, `score` and a data
    check, saving and loading. A rule-based component subclasses it and implements `__call__`."""

    is_trainable = False
    # The name of the factory that made it (set by the Language; its metadata: nlp.get_pipe_meta(name)).
    factory = ""
    model: nn.Module | None = None
    listener: "Listener | None" = None
    # The checks `check_gold` may report: name -> (severity "error" | "warning", description).
    data_checks: dict[str, tuple[str, str]] = {}
    # Whether it makes the Docs from text, in place of the tokenizer (a learned segmenter, the
    # multi-word-token expander after it): the Language runs its `make_docs` when it makes Docs
    # of texts (`nlp.make_doc`, `nlp.pipe(texts)`), never on a Doc it is given.
    tokenizes = False

    def __init__(self, nlp: "Language", name: str):
        self.nlp = nlp
        self.name = name

    @property
    def labels(self) -> tuple[str, ...]:
        return ()

    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def make_docs(self, texts: Sequence[str], docs: list[Doc] | None) -> list[Doc]:
        """A tokenizing component's Docs of `texts` (`docs`: those that the tokenizing
        components before it made, None for the first)."""
        raise NotImplementedError(f"{self.name} does not make Docs from text")

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        """Get ready to run (and, for a trainable component, to train) on such Examples."""

    # --- judging ------------------------------------------------------------------------
    def score(self, examples: Sequence[Example]) -> dict[str, Any]:
        """Scores of what this component annotates, with spaCy's key names."""
        return {}

    def default_score_weights(self) -> dict[str, float | None]:
        """This component's score keys and their weights in the combined training score."""
        return dict(self.nlp.get_pipe_meta(self.name).default_score_weights)

    def assigns(self) -> tuple[str, ...]:
        """The annotations this component sets ("token.tag", "doc.ents", ...)."""
        return self.nlp.get_pipe_meta(self.name).assigns

    def check_gold(self, doc: Doc) -> Iterable[DataProblem]:
        """Problems in a gold Doc that training this component could not recover from, or
        that deserve a look (`lexloom debug-data` runs this on every training and dev Doc)."""
        return ()

    # --- serialization ------------------------------------------------------------------
    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: Path) -> "Pipe":
        return self


class FunctionComponent(Pipe):
    """A callable from Doc to Doc: a function registered with `Language.component`, or what a
    factory of one's own returns when it is not a Pipe (spaCy takes any callable). The
    callable's `pipe`, `initialize`, `to_disk` and `from_disk` are used where it has them, and
    its other attributes read through (`nlp.add_pipe("my_ruler").add_patterns(...)`)."""

    def __init__(self, nlp: "Language", name: str, func: Callable[[Doc], Doc]):
        super().__init__(nlp, name)
        self.func = func

    def __getattr__(self, attr: str) -> Any:
        func = self.__dict__.get("func")  # only what the component itself lacks reaches here
        if func is None or attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(func, attr)

    def __call__(self, doc: Doc) -> Doc:
        return self._checked(self.func(doc))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        own = getattr(self.func, "pipe", None)
        if own is None:
            yield from super().pipe(docs, batch_size)
            return
        for doc in own(docs, batch_size=batch_size):
            yield self._checked(doc)

    def _checked(self, out: Any) -> Doc:
        if not isinstance(out, Doc):
            raise TypeError(f"component {self.name!r} must return the Doc, not {type(out).__name__}")
        return out

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        own = getattr(self.func, "initialize", None)
        if own is not None:
            own(get_examples, nlp=self.nlp)

    def to_disk(self, path: Path) -> None:
        super().to_disk(path)
        if hasattr(self.func, "to_disk"):
            self.func.to_disk(path)

    def from_disk(self, path: Path) -> "Pipe":
        if hasattr(self.func, "from_disk") and path.exists():
            self.func.from_disk(path)
        return self


class TrainablePipe(Pipe):
    """Base class of trainable components. Subclasses implement `labels_from`, `forward`,
    `get_loss`, `predict`, `set_annotations` and `score` (and `build_head` when the head is
    not `model.build(width, n_labels)`)."""

    is_trainable = True
    # Whether the component has a loss of its own to log (a shared tok2vec learns through its listeners').
    reports_loss = True

    def __init__(self, nlp: "Language", name: str, model: ModelSpec, **cfg: Any):
        super().__init__(nlp, name)
        self.spec = model
        self.cfg = dict(cfg)
        self._labels: list[str] = []
        self.model: nn.Module | None = None
        # The directory being loaded from: an own tok2vec rebuilds its tables (static
        # vectors, a transformer's config and tokenizer) from there, not from the config's paths.
        self._saved_dir: Path | None = None

    # --- labels ---------------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def add_label(self, label: str | int) -> int:
        """Add a label (a string, or its id in the vocab's StringStore); 1 if it is new, else 0."""
        if isinstance(label, int) and not isinstance(label, bool):
            label = self.nlp.vocab.strings.as_string(label)
        if not isinstance(label, str) or not label:
            raise ValueError(f"{self.name}: labels must be non-empty strings, not {label!r}")
        if label in self._labels:
            return 0
        if self.model is not None:
            self._grow_output(len(self._labels) + 1)
        self._labels.append(label)
        return 1

    def _grow_output(self, n_labels: int) -> None:
        raise ValueError(f"{self.name}: cannot add labels after initialization")

    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        return []

    # --- model ------------------------------------------------------------------------
    @property
    def listener(self) -> Listener | None:
        return self.spec.tok2vec if isinstance(self.spec.tok2vec, Listener) else None

    @property
    def input_width(self) -> int:
        t = self.spec.tok2vec
        return t.width

    def build_head(self) -> nn.Module:
        return self.spec.build(width=self.input_width, n_labels=len(self._labels))

    def build_own_tok2vec(self) -> nn.Module | None:
        """This component's own token encoder (None when it listens to a tok2vec component)."""
        if self.listener is not None or self.spec.tok2vec is None:
            return None
        return self.spec.tok2vec.build(self._saved_dir)

    def build(self) -> None:
        """One head and own tok2vec (`self.model.head`, `.tok2vec`), or with `n_models` above 1,
        lists of them, one per model."""
        models = [(self.build_head(), self.build_own_tok2vec()) for _ in range(getattr(self.spec, "n_models", 1))]
        if len(models) == 1:
            self.model = ComponentModel(*models[0])
        else:
            heads, tok2vecs = zip(*models)
            self.model = ComponentModel(nn.ModuleList(heads), None if tok2vecs[0] is None else nn.ModuleList(tok2vecs))
        self.model.to(self.nlp.device)

    def models(self) -> list[tuple[nn.Module, nn.Module | None]]:
        """(head, own tok2vec or None) of each of the `n_models` models."""
        heads, tok2vecs = self.model.head, self.model.tok2vec
        if not isinstance(heads, nn.ModuleList):
            return [(heads, tok2vecs)]
        return list(zip(heads, tok2vecs if tok2vecs is not None else [None] * len(heads)))

    def own_token_encoder(self) -> nn.Module | None:
        """The built token encoder this component owns, whose tables (`save_assets`) are saved
        beside its weights: the first model's, as every model's has the same tables."""
        if not isinstance(self.model, ComponentModel):
            return getattr(self.model, "tok2vec", None)
        return self.models()[0][1]

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        self._saved_dir = None
        if labels is not None:
            self._labels = list(labels)
        elif not self._labels:
            self._labels = self.labels_from(get_examples())
        self.build()
        for _, tok2vec in self.models():
            learn_words(tok2vec, get_examples)

    def tokvecs(self, batch: Batch, flat: bool = False) -> torch.Tensor:
        """Token vectors (batch, length, width) for this component: its listener's or its own.
        With `flat`, at the real tokens alone (n_tokens, width), in token order."""
        if self.listener is None:
            tokvecs = self.model.tok2vec(batch)
            return tokvecs[batch.mask] if flat else tokvecs
        upstream = self.listener.upstream
        if upstream not in batch.tokvecs:
            raise ValueError(f"{self.name} listens to {upstream!r}, which did not run before it (pipeline: {self.nlp.pipe_names})")
        return batch.flat_tokvecs(upstream) if flat else batch.tokvecs[upstream]

    # --- the verbs ---------------------------------------------------------------------
    def forward(self, batch: Batch) -> Any:
        raise NotImplementedError

    def get_loss(self, examples: Sequence[Example], batch: Batch, output: Any) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, batch: Batch) -> Any:
        with torch.no_grad():
            return self.forward(batch)

    def set_annotations(self, docs: Sequence[Doc], scores: Any) -> None:
        raise NotImplementedError

    def update(self, examples: Sequence[Example], *, drop: float = 0.0, sgd=None, losses: dict | None = None) -> dict:
        """Update this component alone (its upstream tok2vec still runs, and learns too)."""
        return self.nlp.update(examples, drop=drop, sgd=sgd, losses=losses, only=[self.name])

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Annotate with this component alone (and the tok2vec it listens to)."""
        keep = {self.name} | ({self.listener.upstream} if self.listener is not None else set())
        return self.nlp.pipe(docs, batch_size=batch_size, disable=[n for n in self.nlp.pipe_names if n not in keep])

    # --- int8 inference ---------------------------------------------------------------
    @property
    def quantized(self) -> bool:
        return self.model is not None and hasattr(self.model, "float_state")

    def quantize(self) -> None:
        """Predict with int8 LSTM and linear layers from here on (models/quantize.py). The
        float weights stay on the model (`float_state`) for `to_disk`; a model built anew
        (initialize, from_disk) is float again."""
        if self.model is None or self.quantized:
            return
        float_state = {k: v.detach() for k, v in self.model.state_dict().items()}
        quantize_int8(self.model)
        self.model.float_state = float_state

    # --- serialization ------------------------------------------------------------------
    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / "labels.json", json.dumps(self._labels, ensure_ascii=False, indent=0))
        self.save_extra(path)
        encoder = self.own_token_encoder()
        if encoder is not None:
            encoder.save_assets(path)
        if self.model is not None:
            state = self.model.float_state if self.quantized else self.model.state_dict()
            state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
            save_file(state, str(path / "model.safetensors"))

    def from_disk(self, path: Path) -> "TrainablePipe":
        labels_path = path / "labels.json"
        if not labels_path.exists():
            raise ModelLoadError(f"{path}: missing labels.json for component {self.name!r}")
        self._labels = json.loads(labels_path.read_text(encoding="utf8"))
        self.load_extra(path)
        self._saved_dir = path
        self.build()
        weights = path / "model.safetensors"
        if weights.exists():
            try:
                state = load_file(str(weights), device=str(self.nlp.device))
                self.model.load_state_dict(state)
            except (RuntimeError, OSError, ValueError) as e:
                raise ModelLoadError(f"{weights}: weights do not fit component {self.name!r}: {e}") from None
        return self

    def save_extra(self, path: Path) -> None:
        """Hook for tables beside the weights (JSON only)."""

    def load_extra(self, path: Path) -> None:
        """Hook for tables beside the weights (JSON only)."""
