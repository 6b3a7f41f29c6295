"""A batch of Docs as tensors: built once per update or prediction step and shared by components."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..tokens import Doc


class Batch:
    """Padded view of `docs`: `mask` (batch, length) marks real tokens; `tokvecs` holds each
    tok2vec's output (by component name) for its listeners."""

    def __init__(self, docs: Sequence[Doc], device: torch.device | str = "cpu"):
        self.docs = list(docs)
        self.device = torch.device(device)
        self.lengths = np.fromiter((len(d) for d in self.docs), dtype=np.int64, count=len(self.docs))
        width = int(self.lengths.max()) if len(self.lengths) else 0
        lengths = torch.from_numpy(self.lengths)
        self.mask = (torch.arange(max(width, 1))[None, :] < lengths[:, None]).to(self.device)
        self.tokvecs: dict[str, torch.Tensor] = {}
        self._flat: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    @property
    def n_tokens(self) -> int:
        return int(self.lengths.sum())

    def flat_tokvecs(self, name: str) -> torch.Tensor:
        """`tokvecs[name]` at the real tokens alone, (n_tokens, width) in token order: selected
        once for all the listeners that read it (again if `tokvecs[name]` is replaced)."""
        padded = self.tokvecs[name]
        cached = self._flat.get(name)
        if cached is None or cached[0] is not padded:
            cached = self._flat[name] = (padded, padded[self.mask])
        return cached[1]

    def flat_targets(self, values: Sequence[np.ndarray]) -> torch.Tensor:
        """Concatenate per-doc int arrays into one (n_tokens,) tensor on the batch's device."""
        arr = np.concatenate(values) if values else np.zeros(0, np.int64)
        return torch.from_numpy(arr.astype(np.int64)).to(self.device)

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Split a per-token array (n_tokens, ...) back into per-doc arrays."""
        return np.split(flat, np.cumsum(self.lengths)[:-1])
