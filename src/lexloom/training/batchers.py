"""Batchers: split a stream of items (Examples, Docs, texts) into lists."""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..config.registry import registry


def _sizes(size) -> Iterator[float]:
    return itertools.repeat(size) if isinstance(size, (int, float)) else iter(size)


def _length(item: Any) -> int:
    doc = getattr(item, "reference", item)
    try:
        return len(doc)
    except TypeError:
        return 1


def minibatch(items: Iterable[Any], size=8) -> Iterator[list[Any]]:
    """Lists of `size` items; `size` may be an int or an iterator (e.g. `compounding(4, 32, 1.001)`)."""
    sizes = _sizes(size)
    items = iter(items)
    while True:
        batch = list(itertools.islice(items, int(next(sizes))))
        if not batch:
            return
        yield batch


def minibatch_by_words(items: Iterable[Any], size=1000, tolerance: float = 0.2, discard_oversize: bool = False, get_length: Callable[[Any], int] = _length) -> Iterator[list[Any]]:
    """Batches of about `size` words (tokens), allowing `tolerance` overflow."""
    sizes = _sizes(size)
    target = int(next(sizes))
    batch: list[Any] = []
    words = 0
    for item in items:
        n = get_length(item)
        if n > target * (1 + tolerance):
            if not discard_oversize:
                yield [item]
            continue
        if batch and words + n > target * (1 + tolerance):
            yield batch
            batch, words = [], 0
            target = int(next(sizes))
        batch.append(item)
        words += n
    if batch:
        yield batch


def minibatch_by_padded(items: Iterable[Any], size=1000, buffer: int = 256, discard_oversize: bool = False, get_length: Callable[[Any], int] = _length) -> Iterator[list[Any]]:
    """Batches whose padded size (items x longest item) stays within `size`.

    Items are taken `buffer` at a time and sorted by length inside that window, so each
    batch holds items of similar length: a padded encoder (the BiLSTM) then spends little
    time and memory on padding. The order of the stream beyond one window is kept.
    """
    sizes = _sizes(size)
    items = iter(items)
    while True:
        window = sorted(itertools.islice(items, buffer), key=get_length)
        if not window:
            return
        target = int(next(sizes))
        batch: list[Any] = []
        for item in window:
            n = get_length(item)
            if n > target:
                if not discard_oversize:
                    yield [item]
                continue
            if batch and (len(batch) + 1) * n > target:
                yield batch
                batch = []
                target = int(next(sizes))
            batch.append(item)
        if batch:
            yield batch


@registry.batchers("batch_by_words.v1")
def batch_by_words(size: int | Iterator[float], tolerance: float = 0.2, discard_oversize: bool = False) -> Callable[[Iterable[Any]], Iterator[list[Any]]]:
    return lambda items: minibatch_by_words(items, size, tolerance, discard_oversize)


@registry.batchers("batch_by_padded.v1")
def batch_by_padded(size: int | Iterator[float], buffer: int = 256, discard_oversize: bool = False) -> Callable[[Iterable[Any]], Iterator[list[Any]]]:
    return lambda items: minibatch_by_padded(items, size, buffer, discard_oversize)


@registry.batchers("batch_by_sequence.v1")
def batch_by_sequence(size: int | Iterator[float]) -> Callable[[Iterable[Any]], Iterator[list[Any]]]:
    return lambda items: minibatch(items, size)
