"""The training data of a run: its Examples epoch by epoch, in batches that a resumed run draws again."""
from __future__ import annotations

import hashlib
import itertools
import random
from pathlib import Path
from typing import Callable, Iterable, Iterator

from confection import Config

from ..config import resolve_section
from ..language import Language
from ..tokens import Example
from . import distributed
from .corpus import corpus_files


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    for f in corpus_files(path):
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


class TrainingData:
    """The training corpus, epoch by epoch, in an order drawn from the loop's RNG.

    With `shuffle_buffer = 0` the Examples are held in memory and each epoch is a full
    shuffle. With `shuffle_buffer = N` the reader is streamed anew each epoch and shuffled
    within a window of N Examples, so a corpus of any size trains in bounded memory.
    The reader's `augmenter`, if it has one (`[corpora.train.augmenter]`), alters the
    Examples of each epoch (`augment_epoch`).
    """

    def __init__(self, nlp: Language, reader: Callable[[Language], Iterable[Example]], shuffle_buffer: int):
        self.nlp = nlp
        self.reader = reader
        self.shuffle_buffer = shuffle_buffer
        self.examples: list[Example] | None = None if shuffle_buffer else list(self._read())
        self.augmenter = getattr(reader, "augmenter", None)

    def _read(self) -> Iterable[Example]:
        """The reader's Examples; in a data-parallel run, this rank's shard of them."""
        examples = self.reader(self.nlp)
        world = distributed.world_size()
        return itertools.islice(examples, distributed.rank(), None, world) if world > 1 else examples

    def stream(self) -> Iterable[Example]:
        return self.examples if self.examples is not None else self._read()

    def is_empty(self) -> bool:
        return next(iter(self.stream()), None) is None

    def head(self, n: int) -> Iterable[Example]:
        """The first `n` Examples (all when n is 0): what labels are collected from. Every
        rank of a data-parallel run reads them from the whole corpus, so all get the same labels."""
        source = self.reader(self.nlp) if distributed.world_size() > 1 else self.stream()
        return itertools.islice(source, n) if n else source

    def epoch(self, rng: random.Random) -> Iterator[Example]:
        if self.examples is not None:
            order = list(self.examples)
            rng.shuffle(order)
            examples: Iterator[Example] = iter(order)
        else:
            examples = buffer_shuffle(self._read(), self.shuffle_buffer, rng)
        return examples if self.augmenter is None else augment_epoch(self.augmenter, self.nlp, examples, rng)


def augment_epoch(augmenter: Callable, nlp: Language, examples: Iterable[Example], rng: random.Random) -> Iterator[Example]:
    """An augmenter's Examples for one epoch. An augmenter is spaCy's: `(nlp, example) ->
    Examples`, registered in `registry.augmenters`, drawing its chances from Python's `random`,
    so one written for spaCy runs as it is. While it runs, `random` draws from a state seeded
    by the loop's RNG at the epoch's start, and is restored around each call: the run, and a
    resumed run, draw the same alterations, and the rest of the program's `random` is left
    as it was."""
    state = random.Random(rng.getrandbits(64)).getstate()
    for eg in examples:
        outside = random.getstate()
        random.setstate(state)
        try:
            out = list(augmenter(nlp, eg))
            state = random.getstate()
        finally:
            random.setstate(outside)
        yield from out


def buffer_shuffle(items: Iterable[Example], size: int, rng: random.Random) -> Iterator[Example]:
    """Shuffle a stream within a window of `size` items: each arriving item takes the place
    of a randomly chosen one, which is yielded; the last window is shuffled whole."""
    buffer: list[Example] = []
    for item in items:
        if len(buffer) < size:
            buffer.append(item)
            continue
        i = rng.randrange(size)
        yield buffer[i]
        buffer[i] = item
    rng.shuffle(buffer)
    yield from buffer


class CountedSchedule:
    """A schedule (an iterator of numbers) that counts the values taken from it, so that a
    resumed run can advance a fresh one to the same place."""

    def __init__(self, values: Iterable[float]):
        self._values = iter(values)
        self.taken = 0

    def __iter__(self) -> "CountedSchedule":
        return self

    def __next__(self) -> float:
        value = next(self._values)
        self.taken += 1
        return value

    def advance_to(self, taken: int) -> None:
        while self.taken < taken:
            next(self)


def counted_batcher(config: Config, config_path) -> tuple[Callable, dict[str, CountedSchedule]]:
    """The `[training.batcher]`, built with each of its schedule arguments (e.g. `size`) wrapped
    in a `CountedSchedule`."""
    section = dict(config["training"]["batcher"])
    schedules: dict[str, CountedSchedule] = {}
    for key, value in section.items():
        if isinstance(value, dict) and "@schedules" in value:
            schedules[key] = CountedSchedule(resolve_section({key: value}, key, config_path, top_level=False))
            section[key] = schedules[key]
    return resolve_section({"batcher": section}, "batcher", config_path, top_level=False), schedules
