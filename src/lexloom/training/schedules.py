"""Schedules: infinite iterators of numbers (batch sizes, learning rates), as in thinc."""
from __future__ import annotations

import itertools
from typing import Iterator

from ..config.registry import registry


@registry.schedules("compounding.v1")
def compounding(start: float, stop: float, compound: float, t: float = 0.0) -> Iterator[float]:
    """start, start*compound, ... capped at stop (or floored, when stop < start)."""
    curr = float(start)
    while True:
        yield min(curr, stop) if start <= stop else max(curr, stop)
        curr *= compound


@registry.schedules("decaying.v1")
def decaying(base_rate: float, decay: float, t: float = 0.0) -> Iterator[float]:
    """base_rate / (1 + decay * t), t counting up."""
    while True:
        yield base_rate * (1.0 / (1.0 + decay * t))
        t += 1


@registry.schedules("constant.v1")
def constant(rate: float) -> Iterator[float]:
    return itertools.repeat(float(rate))


@registry.schedules("warmup_linear.v1")
def warmup_linear(initial_rate: float, warmup_steps: int, total_steps: int) -> Iterator[float]:
    """Linear warm-up to `initial_rate`, then linear decay to zero at `total_steps`."""
    step = 0
    while True:
        if step < warmup_steps:
            factor = step / max(1, warmup_steps)
        else:
            factor = max(0.0, (total_steps - step) / max(1.0, total_steps - warmup_steps))
        yield initial_rate * factor
        step += 1
