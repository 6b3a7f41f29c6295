"""The types of the config sections that are not a registered function's arguments.

A registered function's arguments (`[training.optimizer]`, a component's model) are checked
against its signature by confection when the section is resolved. The plain sections below
get the same treatment from these schemas, so that `--training.dropout abc` or a flag given
without a value is an error naming the section, key, value and expected type before any
work starts, not a traceback (or a silently wrong run) after it.

Strict: `true` is not a number and `1.5` is not a whole number. Unknown keys are errors, so
a typo in a config file does not go unnoticed.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)


class TrainingSchema(_Section):
    seed: int | None = None
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    accumulate_gradient: int = Field(1, ge=1)
    patience: int = Field(0, ge=0)
    max_epochs: int = Field(0, ge=0)
    max_steps: int = Field(0, ge=0)
    max_minutes: float = Field(0, ge=0)
    eval_frequency: int = Field(200, ge=1)
    frozen_components: list[str] = []
    # Trained with the rest for what they teach a shared tok2vec; the trained pipeline keeps
    # them loaded but disabled (`[nlp] disabled`), so they cost nothing at inference.
    auxiliary_components: list[str] = []
    rehearse_ratio: float = Field(0.0, ge=0.0)
    checkpoint_every: int = Field(0, ge=0)
    shuffle_buffer: int = Field(0, ge=0)
    mixed_precision: Literal["bf16", False, None] = False
    # A component whose annotation the training corpus lacks, or has on under 1% of it (a tagger
    # on a treebank without XPOS): an error, or left out of the trained pipeline with a warning.
    unannotated: Literal["error", "skip"] = "error"
    score_weights: dict[str, float | None] = {}
    optimizer: Any = None
    batcher: Any
    logger: Any = None


class SystemSchema(_Section):
    seed: int = 0
    gpu_id: int = Field(-1, ge=-1)
    threads: int = Field(0, ge=0)


class InitializeSchema(_Section):
    max_examples: int = Field(0, ge=0)


class PretrainingSchema(_Section):
    component: str = "tok2vec"
    raw_text: str | None = None
    seed: int | None = None
    max_epochs: int = Field(10, ge=1)
    dropout: float = Field(0.2, ge=0.0, lt=1.0)
    n_save_every: int = Field(0, ge=0)
    objective: dict[str, Any] = {}
    optimizer: Any = None
    batcher: Any = None


class NlpSchema(_Section):
    lang: str
    pipeline: list[str] = []


SECTION_SCHEMAS: dict[str, type[BaseModel]] = {
    "training": TrainingSchema,
    "system": SystemSchema,
    "initialize": InitializeSchema,
    "pretraining": PretrainingSchema,
    "nlp": NlpSchema,
}


def root_schema(section: str) -> type[BaseModel] | None:
    """A schema for `{section: ...}`, as confection's `registry.resolve(schema=)` takes it."""
    schema = SECTION_SCHEMAS.get(section)
    if schema is None:
        return None
    return create_model(f"{section.title()}Root", __config__=ConfigDict(extra="allow", arbitrary_types_allowed=True), **{section: (schema, ...)})
